import net from 'node:net';

/** Stands between a client and a server (RabbitMQ, PostgreSQL, Redis) so a test can cut the wire and mend it. */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #target: { host: string; port: number };
  port = 0;
  connections = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = net.createServer((client) => {
      this.connections += 1;
      const upstream = net.connect(this.#target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(broker: URL): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    await proxy.#listen(0);
    return proxy;
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
  }

  async restore(): Promise<void> {
    await this.#listen(this.port);
  }

  async close(): Promise<void> {
    this.cut();
  }
}
