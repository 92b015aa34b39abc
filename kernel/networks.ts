import { BlockList, isIP } from 'node:net';

/**
 * Address lists: networks in CIDR form or single addresses, IPv4 and IPv6 (node:net's
 * BlockList). For senders that prove themselves by where they send from (YooKassa), and for
 * the proxies whose X-Forwarded-For is believed.
 */
export interface Networks { has(address: string): boolean; list: readonly string[] }

/** The problem with one entry, or null when it is an address or a network. */
export function networkProblem(entry: string): string | null {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return `${entry} is not an IP address or network`;
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128) ? null : `${entry} has a prefix length outside 0-${family === 4 ? 32 : 128}`;
}

/** "::ffff:185.71.76.5" (an IPv4 peer on a dual-stack socket) is 185.71.76.5. */
export const plainAddress = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

export function networks(entries: readonly string[]): Networks {
  const block = new BlockList();
  for (const entry of entries) {
    const problem = networkProblem(entry);
    if (problem) throw new Error(problem);
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) block.addAddress(address, type);
    else block.addSubnet(address, Number(prefix), type);
  }
  return {
    list: entries,
    has(address) {
      const plain = plainAddress(address);
      const family = isIP(plain);
      return family !== 0 && block.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/**
 * Who sent a request: the socket's peer, unless that peer is a trusted proxy; then the
 * nearest address in X-Forwarded-For that is not one (walking from the right, as each proxy
 * appends). With no trusted proxies the header is never read: anyone can write it.
 */
export function clientAddress(req: { socket: { remoteAddress?: string | undefined }; headers: Record<string, string | string[] | undefined> }, trustedProxies: Networks): string | null {
  const peer = req.socket.remoteAddress ? plainAddress(req.socket.remoteAddress) : null;
  if (!peer || !trustedProxies.list.length || !trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => plainAddress(h.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trustedProxies.has(hops[i]!)) return hops[i]!;
  return peer;
}
