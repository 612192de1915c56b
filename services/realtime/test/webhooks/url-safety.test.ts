import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookConfigShape, webhookSettings } from '../../src/index.js';
import { sendWebhook } from '../../src/webhooks/sender.js';
import { forbiddenAddressReason, guardedLookup, ipv6Bytes, vetWebhookUrl, type HostLookup } from '../../src/webhooks/url-safety.js';
import { newSecret, openSecret, sealSecret } from '../../src/webhooks/secrets.js';
import { loadConfig } from '@expensio/common';
import { z } from 'zod';
import { startReceiver, type Receiver } from './receiver.js';

describe('forbidden addresses', () => {
  it.each([
    ['0.0.0.0', 'an unspecified'],
    ['10.1.2.3', 'a private'],
    ['100.64.0.1', 'a carrier-grade NAT'],
    ['100.127.255.255', 'a carrier-grade NAT'],
    ['127.0.0.1', 'a loopback'],
    ['127.255.255.254', 'a loopback'],
    ['169.254.169.254', 'a link-local'],
    ['172.16.0.1', 'a private'],
    ['172.31.255.255', 'a private'],
    ['192.168.1.1', 'a private'],
    ['192.0.2.10', 'a documentation'],
    ['198.18.0.1', 'a benchmarking'],
    ['224.0.0.251', 'a multicast'],
    ['239.255.255.250', 'a multicast'],
    ['255.255.255.255', 'a reserved'],
    ['::', 'an unspecified'],
    ['::1', 'a loopback'],
    ['[::1]', 'a loopback'],
    ['fc00::1', 'a unique-local'],
    ['fd12:3456:789a::1', 'a unique-local'],
    ['fe80::1%eth0', 'a link-local'],
    ['ff02::1', 'a multicast'],
    ['::ffff:127.0.0.1', 'a loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'a loopback (IPv4-mapped)'],
    ['::ffff:169.254.169.254', 'a link-local (IPv4-mapped)'],
    ['::ffff:10.0.0.1', 'a private (IPv4-mapped)'],
    ['64:ff9b::a00:1', 'a private (NAT64)'],
    ['2002:c0a8:101::1', 'a private (6to4)'],
    ['::127.0.0.1', 'a reserved'],
    ['2001:db8::1', 'a documentation'],
    ['2001:0:4136:e378::1', 'a reserved'],
    ['100::1', 'a reserved'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
  ])('allows the public address %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });

  it('reads IPv6 in every spelling, and refuses what is not an address', () => {
    expect(Array.from(ipv6Bytes('::ffff:1.2.3.4') ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(ipv6Bytes('1:2:3:4:5:6:7:8')?.[15]).toBe(8);
    expect(ipv6Bytes('1::2::3')).toBeNull();
    expect(forbiddenAddressReason('not-an-ip')).toBe('an unreadable');
  });
});

const fakeDns =
  (table: Record<string, string[]>): HostLookup =>
  async (host) => {
    const addresses = table[host];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('webhook URL checks', () => {
  const lookup = fakeDns({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'internal.example.com': ['10.0.0.5'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'mapped.example.com': ['::ffff:192.168.0.1'],
    'ula.example.com': ['2606:4700:4700::1111', 'fd00::5'],
    localhost: ['127.0.0.1', '::1'],
  });
  const production = { allowPrivate: false, lookup };
  const development = { allowPrivate: true, lookup };

  it('accepts an https URL whose host resolves to public addresses only, normalised', async () => {
    await expect(vetWebhookUrl('HTTPS://Hooks.Example.com/in?x=1', production)).resolves.toBe('https://hooks.example.com/in?x=1');
  });

  it.each([
    ['http://hooks.example.com/', /must use https/],
    ['https://127.0.0.1/', /loopback/],
    ['https://2130706433/', /loopback/],
    ['https://[::ffff:127.0.0.1]/', /loopback/],
    ['https://[fe80::1]/', /link-local/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    // Decimal, octal, hex and short spellings are read as the address they are.
    ['https://0177.0.0.1/', /loopback/],
    ['https://0x7f.0.0.1/', /loopback/],
    ['https://127.1/', /loopback/],
    ['https://127.0.0.1./', /loopback/],
    ['https://0xa9fea9fe/', /link-local/],
    ['https://2852039166/latest/meta-data', /link-local/],
    ['https://0/', /unspecified/],
    ['https://[::]/', /unspecified/],
    ['https://[::1]/', /loopback/],
    ['https://[fd00::1]/', /unique-local/],
    ['https://[::ffff:a9fe:a9fe]/', /link-local \(IPv4-mapped\)/],
    ['https://[64:ff9b::7f00:1]/', /loopback \(NAT64\)/],
    ['https://localhost/', /loopback/],
    ['https://ula.example.com/', /unique-local/],
    ['https://internal.example.com/', /^url host internal\.example\.com resolves to a private address$/],
    ['https://mixed.example.com/', /loopback/],
    ['https://mapped.example.com/', /IPv4-mapped/],
    ['https://unknown.example.com/', /does not resolve/],
    ['https://user:pass@hooks.example.com/', /user name or password/],
    ['file:///etc/passwd', /https/],
  ])('refuses %s in production', async (url, message) => {
    await expect(vetWebhookUrl(url, production)).rejects.toThrow(message);
  });

  it('allows http and loopback when private targets are allowed explicitly', async () => {
    await expect(vetWebhookUrl('http://127.0.0.1:8080/hook', development)).resolves.toBe('http://127.0.0.1:8080/hook');
    await expect(vetWebhookUrl('http://localhost/hook', development)).resolves.toBe('http://localhost/hook');
    await expect(vetWebhookUrl('ftp://localhost/hook', development)).rejects.toThrow(/https/);
  });

  it('refuses private targets unless WEBHOOK_ALLOW_PRIVATE_URLS=true is set, whatever NODE_ENV is (npm start leaves it unset)', () => {
    const config = (env: Record<string, string>) => loadConfig(z.object(webhookConfigShape), env);
    expect(webhookSettings(config({})).allowPrivateUrls).toBe(false);
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(webhookSettings(config({ NODE_ENV })).allowPrivateUrls).toBe(false);
      expect(webhookSettings(config({ NODE_ENV, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' })).allowPrivateUrls).toBe(true);
    }
    expect(webhookSettings(config({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' })).allowPrivateUrls).toBe(false);
    expect(webhookSettings(config({ WEBHOOK_SECRET_KEY: 'ab'.repeat(32) })).secretKey).toHaveLength(32);
    expect(() => config({ WEBHOOK_SECRET_KEY: 'short', WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow(
      /WEBHOOK_SECRET_KEY[\s\S]*WEBHOOK_MAX_ATTEMPTS|WEBHOOK_MAX_ATTEMPTS[\s\S]*WEBHOOK_SECRET_KEY/,
    );
  });
});

describe('delivery-time checks (DNS rebinding)', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const lookupWith = (fn: ReturnType<typeof guardedLookup>, host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number | undefined }>((resolve) => {
      fn(host, options, (error, address, family) => {
        resolve({ error, address, family });
      });
    });

  it('hands the socket only addresses it vetted, in both lookup shapes', async () => {
    const guarded = guardedLookup(fakeDns({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'], 'evil.example.com': ['127.0.0.1'] }));
    expect(await lookupWith(guarded, 'hooks.example.com', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookupWith(guarded, 'hooks.example.com', { family: 6 })).toEqual({ error: null, address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 });
    expect((await lookupWith(guarded, 'hooks.example.com', { all: true })).address).toHaveLength(2);
    expect((await lookupWith(guarded, 'evil.example.com', { all: true })).error?.message).toMatch(/loopback/);
  });

  it('does not connect when the name now resolves to a private address, though the URL passed before', async () => {
    const port = new URL(receiver.url).port;
    let answers = 0;
    // Public when the endpoint was saved, loopback (where the receiver listens) when it is sent.
    const rebinding: HostLookup = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const url = `https://rebind.example.com:${port}/hooks`;
    await expect(vetWebhookUrl(url, { allowPrivate: false, lookup: rebinding })).resolves.toBe(url);
    const result = await sendWebhook({ url, body: '{}', headers: {}, timeoutMs: 2_000, allowPrivate: false, lookup: rebinding });
    expect(result).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/loopback/) });
    const literal = await sendWebhook({
      url: `https://127.0.0.1:${port}/hooks`,
      body: '{}',
      headers: {},
      timeoutMs: 2_000,
      allowPrivate: false,
      lookup: rebinding,
    });
    expect(literal).toMatchObject({ ok: false, error: expect.stringMatching(/loopback/) });
    const plain = await sendWebhook({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 2_000, allowPrivate: false, lookup: rebinding });
    expect(plain).toMatchObject({ ok: false, error: 'url must use https' });
    expect(receiver.requests).toEqual([]);
    // The same receiver does get the request where private targets are allowed.
    expect(await sendWebhook({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 2_000, allowPrivate: true, lookup: rebinding })).toEqual({
      ok: true,
      status: 200,
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports a receiver by its status and the standard phrase, never its body', async () => {
    receiver.answer(500, 404);
    const send = () => sendWebhook({ url: receiver.url, body: '{}', headers: {}, timeoutMs: 2_000, allowPrivate: true, lookup: fakeDns({}) });
    expect(await send()).toEqual({ ok: false, status: 500, error: 'HTTP 500 Internal Server Error' });
    expect(await send()).toEqual({ ok: false, status: 404, error: 'HTTP 404 Not Found' });
  });

  it('says only "connection failed" when nothing answers, keeping the cause for the operator', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    const result = await sendWebhook({
      url: `http://127.0.0.1:${String(port)}/`,
      body: '{}',
      headers: {},
      timeoutMs: 2_000,
      allowPrivate: true,
      lookup: fakeDns({}),
    });
    expect(result).toEqual({ ok: false, status: null, error: 'connection failed', cause: 'ECONNREFUSED' });
  });
});

describe('secrets at rest', () => {
  const key = Buffer.alloc(32, 1);
  const id = '0190f3a0-0000-7000-8000-000000000001';

  it('seals with the key, bound to the endpoint, and opens only with both', () => {
    const secret = newSecret();
    const sealed = sealSecret(secret, id, key);
    expect(sealed).not.toContain(secret.slice(6));
    expect(openSecret(sealed, id, key)).toBe(secret);
    expect(() => openSecret(sealed, '0190f3a0-0000-7000-8000-000000000002', key)).toThrow(/does not open/);
    expect(() => openSecret(sealed, id, Buffer.alloc(32, 2))).toThrow(/does not open/);
    expect(() => openSecret(sealed, id, undefined)).toThrow(/WEBHOOK_SECRET_KEY is not set/);
  });

  it('stores the secret as it is without a key, and still reads such rows once a key is set', () => {
    const secret = newSecret();
    expect(sealSecret(secret, id, undefined)).toBe(secret);
    expect(openSecret(secret, id, key)).toBe(secret);
    expect(newSecret()).not.toBe(secret);
  });
});
