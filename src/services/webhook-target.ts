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
  ['::', 96], // unspecified, loopback, and the deprecated IPv4-compatible ::a.b.c.d
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/**
 * The IPv4 address an IPv6 one stands for: IPv4-mapped (::ffff:10.0.0.1, or ::ffff:a00:1 as URL writes it)
 * and NAT64 (64:ff9b::a9fe:a9fe, which a NAT64 gateway turns into 169.254.169.254).
 */
function embeddedV4(ip: string): string | undefined {
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export function isPrivateAddress(ip: string): boolean {
  const v4 = embeddedV4(ip);
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
function literalAddress(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(host) ? host : null;
}

/**
 * Whether the URL names a private target outright: a private address written as such (connected to
 * without any lookup, so publicOnlyLookup never sees it) or a localhost name. A name that resolves to a
 * private address is only known when connecting (publicOnlyLookup).
 */
export function namesPrivateHost(url: URL): boolean {
  const literal = literalAddress(url);
  const host = url.hostname.toLowerCase();
  return (literal !== null && isPrivateAddress(literal)) || host === 'localhost' || host.endsWith('.localhost');
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
