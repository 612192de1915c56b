import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/**
 * Server-side request forgery guard. Unless private targets are allowed explicitly, a webhook
 * may only go over https to public unicast addresses: never loopback, private, link-local,
 * unique-local, CGNAT, multicast, documentation, reserved or unspecified ones, in IPv4 or IPv6,
 * nor an IPv6 address that embeds one (IPv4-mapped, NAT64, 6to4).
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to. Replaceable so tests need no DNS. */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemLookup: HostLookup = async (hostname) => {
  const addresses = await dnsLookup(hostname, { all: true, verbatim: true });
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface UrlPolicy {
  /** `WEBHOOK_ALLOW_PRIVATE_URLS=true` (tests, trusted networks): http, loopback and private addresses are fine. */
  allowPrivate: boolean;
  lookup: HostLookup;
}

type Range = readonly [base: string, prefix: number, label: string];

const IPV4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'an unspecified'],
  ['10.0.0.0', 8, 'a private'],
  ['100.64.0.0', 10, 'a carrier-grade NAT'],
  ['127.0.0.0', 8, 'a loopback'],
  ['169.254.0.0', 16, 'a link-local'],
  ['172.16.0.0', 12, 'a private'],
  ['192.0.0.0', 24, 'a reserved'],
  ['192.0.2.0', 24, 'a documentation'],
  ['192.88.99.0', 24, 'a reserved'],
  ['192.168.0.0', 16, 'a private'],
  ['198.18.0.0', 15, 'a benchmarking'],
  ['198.51.100.0', 24, 'a documentation'],
  ['203.0.113.0', 24, 'a documentation'],
  ['224.0.0.0', 4, 'a multicast'],
  ['240.0.0.0', 4, 'a reserved'],
];

function ipv4Value(address: string): number {
  return address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function ipv4Reason(value: number): string | null {
  for (const [base, prefix, label] of IPV4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (Math.floor(value / size) === Math.floor(ipv4Value(base) / size)) return label;
  }
  return null;
}

/** The 16 bytes of a textual IPv6 address (zone id dropped), or null when it is not one. */
export function ipv6Bytes(text: string): Uint8Array | null {
  let address = text.replace(/%.*$/, '');
  const groups: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted?.[1] !== undefined) {
    if (isIP(dotted[1]) !== 4) return null;
    const v4 = ipv4Value(dotted[1]);
    address = `${address.slice(0, -dotted[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    groups.push(...head);
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

const v4At = (bytes: Uint8Array, at: number) => (bytes[at] ?? 0) * 2 ** 24 + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
const zeros = (bytes: Uint8Array, from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);

function ipv6Reason(bytes: Uint8Array): string | null {
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = bytes;
  // Addresses that carry an IPv4 address reach it: judge them by it.
  if (zeros(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    const inner = ipv4Reason(v4At(bytes, 12));
    return inner === null ? null : `${inner} (IPv4-mapped)`;
  }
  if (b0 === 0x00 && b1 === 0x64 && b2 === 0xff && b3 === 0x9b && zeros(bytes, 4, 12)) {
    const inner = ipv4Reason(v4At(bytes, 12));
    return inner === null ? null : `${inner} (NAT64)`;
  }
  if (b0 === 0x20 && b1 === 0x02) {
    const inner = ipv4Reason(v4At(bytes, 2));
    return inner === null ? null : `${inner} (6to4)`;
  }
  if (zeros(bytes, 0, 16)) return 'an unspecified';
  if (zeros(bytes, 0, 15) && bytes[15] === 1) return 'a loopback';
  if ((b0 & 0xfe) === 0xfc) return 'a unique-local';
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return 'a link-local';
  if (b0 === 0xff) return 'a multicast';
  // Only global unicast (2000::/3) is public; within it, the IETF block (Teredo tunnels,
  // benchmarking, ORCHID) and the documentation prefixes are not.
  if ((b0 & 0xe0) !== 0x20) return 'a reserved';
  if (b0 === 0x20 && b1 === 0x01 && (b2 & 0xfe) === 0x00) return 'a reserved';
  if (b0 === 0x20 && b1 === 0x01 && b2 === 0x0d && b3 === 0xb8) return 'a documentation';
  if (b0 === 0x3f && b1 === 0xff && (b2 & 0xf0) === 0x00) return 'a documentation';
  return null;
}

/** Why this IP address may not receive webhooks (e.g. "a loopback"), or null for a public one. */
export function forbiddenAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '');
  switch (isIP(bare.replace(/%.*$/, ''))) {
    case 4:
      return ipv4Reason(ipv4Value(bare));
    case 6: {
      const bytes = ipv6Bytes(bare);
      return bytes === null ? 'an unreadable' : ipv6Reason(bytes);
    }
    default:
      return 'an unreadable';
  }
}

/** Raised when a target is refused; its message is what the delivery log and the 400 show. */
export class UnsafeTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeTargetError';
  }
}

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * What needs no DNS: a readable http(s) URL without credentials, https unless private targets are
 * allowed, and a literal IP address that is public. Returns the parsed URL.
 */
export function checkUrlShape(input: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UnsafeTargetError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeTargetError('url must use https');
  if (!allowPrivate && url.protocol !== 'https:') throw new UnsafeTargetError('url must use https');
  // Credentials in a URL end up in logs and in every GET; the signature authenticates instead.
  if (url.username !== '' || url.password !== '') throw new UnsafeTargetError('url must not carry a user name or password');
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) !== 0) {
    const reason = forbiddenAddressReason(host);
    if (reason !== null) throw new UnsafeTargetError(`url points to ${reason} address (${host})`);
  }
  return url;
}

/** Resolves a host name and refuses it if any of its addresses is not public. */
export async function vetAddresses(hostname: string, lookup: HostLookup): Promise<ResolvedAddress[]> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await lookup(hostname);
  } catch {
    throw new UnsafeTargetError(`url host ${hostname} does not resolve`);
  }
  if (addresses.length === 0) throw new UnsafeTargetError(`url host ${hostname} does not resolve`);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address);
    // Any one bad record refuses the host: a client may pick whichever address it likes. The
    // address itself stays out of the message, which would otherwise map internal names.
    if (reason !== null) throw new UnsafeTargetError(`url host ${hostname} resolves to ${reason} address`);
  }
  return addresses;
}

/** The check run when an endpoint is created or its URL changed; returns the normalised URL. */
export async function vetWebhookUrl(input: string, policy: UrlPolicy): Promise<string> {
  const url = checkUrlShape(input, policy.allowPrivate);
  const host = hostOf(url);
  if (!policy.allowPrivate && isIP(host) === 0) await vetAddresses(host, policy.lookup);
  return url.toString();
}

/**
 * A `lookup` for node:http(s) that vets what it resolves: the socket then connects to exactly the
 * address that passed, so a name that resolves to a public address for the check and to a private
 * one for the connection (DNS rebinding) gets nowhere.
 */
export function guardedLookup(lookup: HostLookup): LookupFunction {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    vetAddresses(hostname, lookup).then(
      (all) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family === undefined ? all : all.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          callback(new UnsafeTargetError(`url host ${hostname} has no IPv${String(family)} address`), []);
        } else if (options.all === true) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), []);
      },
    );
  };
}
