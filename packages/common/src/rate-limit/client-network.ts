import ipaddr from 'ipaddr.js';

/**
 * The network a client's address stands for when counting its attempts. An IPv6 subscriber is
 * usually given a whole /64 (RFC 6177), so counting each address alone would hand an attacker
 * 2^64 fresh counters; the /64 is the smallest unit one client can be assumed not to share.
 * IPv4-mapped IPv6 is the IPv4 address it carries. Anything unparsable is counted as itself.
 */
export function clientNetwork(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const hextets = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${hextets.join(':')}::/64`;
}
