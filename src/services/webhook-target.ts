/**
 * Where a webhook may be delivered. A channel's URL is chosen by an organization's admin, but the
 * POST leaves from the server's own network: without a check, any tenant could make the server call
 * its loopback, the cloud metadata endpoint (169.254.169.254) or hosts on the private network, and
 * read their status codes and errors back from the delivery log. Unless the operator allows private
 * targets (GCT_WEBHOOK_ALLOW_PRIVATE, e.g. an on-premises Slack relay), only public addresses are
 * reached. The check is made on the address the connection uses (the lookup below), not on a name
 * resolved beforehand, so a name that resolves differently the second time cannot slip through.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is its IPv4 address. */
const mappedV4 = (ip: string) => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];

export function isPrivateAddress(ip: string): boolean {
  const v4 = mappedV4(ip);
  if (v4) return PRIVATE.check(v4, 'ipv4');
  const family = isIP(ip);
  if (family === 0) return true;
  return PRIVATE.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export class PrivateTargetError extends Error {
  constructor(what: string) {
    super(`${what} is a private, loopback or link-local address; webhooks reach public addresses only (GCT_WEBHOOK_ALLOW_PRIVATE=true allows others)`);
  }
}

/** The URL's host when it is an IP literal (`[::1]` without brackets), else null. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request that resolves as usual and refuses private addresses. */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const allowed = list.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0) {
      const error: NodeJS.ErrnoException = new PrivateTargetError(`${hostname} (${list.map((a) => a.address).join(', ')})`);
      error.code = 'EPRIVATETARGET';
      return callback(error, []);
    }
    if (options.all) return callback(null, allowed);
    callback(null, allowed[0].address, allowed[0].family);
  });
}
