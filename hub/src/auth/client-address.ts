import net from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from, for per-address login limits. Behind a front door (HAProxy in
 * cluster mode) every request arrives from the proxy, so all users would share one address and
 * one person's guessing would lock everybody out; the proxy tells the client's address in
 * X-Forwarded-For. The header is believed only from the proxies named in SHOPWATCH_TRUSTED_PROXIES
 * (anyone else could write any address in it to dodge the limit), and only its last entry: the
 * one the trusted proxy appended itself (entries before it came from the client).
 */
export class ClientAddresses {
  private trusted: net.BlockList | null = null;

  /** `proxies`: addresses or CIDR blocks (`10.0.0.5`, `172.16.0.0/12`, `::1`). */
  constructor(proxies: readonly string[]) {
    if (proxies.length === 0) return;
    this.trusted = new net.BlockList();
    for (const p of proxies) {
      const [address, bits] = p.split('/') as [string, string | undefined];
      const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(address, type);
      else this.trusted.addSubnet(address, Number(bits), type);
    }
  }

  of(req: IncomingMessage | undefined): string {
    const peer = plain(req?.socket?.remoteAddress ?? 'unknown');
    if (!this.trusted || !net.isIP(peer) || !this.trusted.check(peer, net.isIPv6(peer) ? 'ipv6' : 'ipv4')) return peer;
    const header = req?.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim() ?? '';
    return net.isIP(plain(last)) ? plain(last) : peer;
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`. */
const plain = (a: string) => (a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a);

/** Checks one entry of SHOPWATCH_TRUSTED_PROXIES; a message naming what is wrong, or null. */
export function proxyEntryError(p: string): string | null {
  const [address, bits, extra] = p.split('/');
  if (extra !== undefined || !address || !net.isIP(address)) return `"${p}" is not an address or address/bits`;
  const max = net.isIPv6(address) ? 128 : 32;
  if (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max)) return `"${p}" has a prefix outside 0-${max}`;
  return null;
}
