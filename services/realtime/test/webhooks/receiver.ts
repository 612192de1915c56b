import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers: a status, a redirect, or nothing at all (it holds the request open). */
export type Answer = number | { redirect: string } | 'hang';

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers the next requests with these, in order; afterwards 200. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

/** A webhook receiver on a free loopback port that records every request. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const queue: Answer[] = [];
  const respond = (res: ServerResponse, answer: Answer) => {
    if (answer === 'hang') return;
    if (typeof answer === 'number') {
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer >= 400 ? `receiver says ${String(answer)}` : 'ok');
    } else {
      res.writeHead(302, { location: answer.redirect }).end();
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(res, queue.shift() ?? 200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/hooks`,
    requests,
    answer: (...answers) => {
      queue.push(...answers);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
