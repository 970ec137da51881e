/**
 * Which IP addresses a document fetch may connect to: public unicast only, unless private networks
 * are explicitly allowed (SSRF, draft-ietf-oauth-client-id-metadata-document "Server Side Request
 * Forgery"; RFC 6890 special-purpose registries). node:net's BlockList also matches IPv4-mapped
 * IPv6 addresses (`::ffff:127.0.0.1`) against the IPv4 ranges.
 */
import { BlockList, isIP } from 'node:net';

/** Special-purpose IPv4 ranges (RFC 6890 and successors) a server-side fetch must never reach. */
const IPV4_REFUSED: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network" (RFC 791)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback (RFC 1122)
  ['169.254.0.0', 16], // link-local, cloud metadata services (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation (RFC 5737)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation (RFC 5737)
  ['203.0.113.0', 24], // documentation (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved, broadcast (RFC 1112)
];

/** Special-purpose IPv6 ranges; IPv4-mapped addresses are caught by the IPv4 list. */
const IPV6_REFUSED: ReadonlyArray<readonly [string, number]> = [
  ['::', 128], // unspecified (RFC 4291)
  ['::1', 128], // loopback (RFC 4291)
  ['64:ff9b::', 96], // NAT64, which embeds an IPv4 address (RFC 6052)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard (RFC 6666)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['2002::', 16], // 6to4, which embeds an IPv4 address (RFC 3056)
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local (RFC 4291)
  ['ff00::', 8], // multicast (RFC 4291)
];

const refused = new BlockList();
for (const [net, prefix] of IPV4_REFUSED) refused.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of IPV6_REFUSED) refused.addSubnet(net, prefix, 'ipv6');

/**
 * Why a fetch may not connect to `address`, or undefined when it may: an address that is not a
 * public unicast one (loopback, private, link-local, CGNAT, multicast, ...) is refused unless
 * `allowPrivateNetworks` is on.
 */
export function addressProblem(address: string, allowPrivateNetworks: boolean): string | undefined {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  if (allowPrivateNetworks) return undefined;
  return refused.check(address, family === 4 ? 'ipv4' : 'ipv6')
    ? `${address} is a loopback, private, link-local or otherwise non-public address`
    : undefined;
}
