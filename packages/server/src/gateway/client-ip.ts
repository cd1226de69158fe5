import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The address of the client behind a request, as per-IP limits key it: an IPv4 address, or the /64
 * prefix of an IPv6 one (one host usually holds a whole /64, so single IPv6 addresses would be free
 * for the asking), e.g. `203.0.113.7`, `2001:db8:1:2::/64`. IPv4-mapped IPv6 addresses count as IPv4.
 *
 * The TCP peer is the client, unless it is one of `trustedProxies`: then `X-Forwarded-For` is read
 * from the right, each trusted proxy vouching for the address before it, and the first address that is
 * not a trusted proxy is the client. A header that is missing or malformed leaves the last address
 * that could be trusted (so a client cannot pick its own key by sending the header itself).
 */
export function clientIp(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  let ip = canonicalIp(req.socket.remoteAddress ?? '');
  if (trustedProxies.size === 0 || !trustedProxies.has(ip)) return ipKey(ip);
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalIp(hops[i]!.trim());
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!trustedProxies.has(hop)) break;
  }
  return ipKey(ip);
}

/** The set form of `server.trustedProxies`, each address canonical. */
export function proxySet(addresses: readonly string[]): ReadonlySet<string> {
  return new Set(addresses.map(canonicalIp));
}

/** An address as written by Node, without the IPv4-mapped prefix, IPv6 in lower case. */
function canonicalIp(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** An IPv4 address as is; an IPv6 address as its /64 prefix. */
export function ipKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const groups = expandIpv6(ip);
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in hexadecimal (an embedded IPv4 tail counts as two). */
function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const part = (s: string | undefined): string[] => (s ? s.split(':').flatMap(ipv4Groups) : []);
  const left = part(head);
  const right = part(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right];
}

function ipv4Groups(g: string): string[] {
  if (!g.includes('.')) return [g];
  const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
