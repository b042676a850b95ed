import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where status callbacks may be sent (SSRF): https:// only, and never to an address of our own network.
 * `allowInsecure` (WEBHOOKS_ALLOW_INSECURE, tests and local use) also allows http:// and loopback
 * addresses; private, link-local and other special ranges are refused whatever the setting.
 * The URL's host is resolved at creation and again at every delivery, and the connection is made only
 * to an address that was checked (the HTTP client's own lookup goes through `checkedLookup`).
 */
export interface UrlPolicy {
  allowInsecure: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const REFUSED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local (cloud metadata services)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 (embeds IPv4 addresses)
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv6');
}

/** Why an address may not be called, or null. IPv4-mapped IPv6 addresses are judged as their IPv4 address. */
export function addressRefusal(address: string, policy: UrlPolicy): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1] : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (LOOPBACK.check(ip, family)) return policy.allowInsecure ? null : `resolves to a loopback address (${address})`;
  if (REFUSED.check(ip, family)) return `resolves to a private, link-local or reserved address (${address})`;
  return null;
}

/** Checks what can be told without DNS: the scheme, credentials, an IP literal host. Null when acceptable. */
export function urlSyntaxRefusal(text: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowInsecure)) return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (text.length > 2000) return 'must be at most 2000 characters';
  const host = hostOf(url);
  if (isIP(host)) return addressRefusal(host, policy) ?? (url.protocol === 'http:' ? httpRefusal(host) : null);
  return null;
}

/** http:// (allowed by WEBHOOKS_ALLOW_INSECURE) reaches loopback addresses only. */
function httpRefusal(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1] : address;
  return LOOPBACK.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4') ? null : `must be an https:// URL (http:// only reaches loopback, and ${address} is not)`;
}

/** The URL's host, without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))));

/** The full check: syntax, then every address the host resolves to. Null when acceptable. */
export async function urlRefusal(text: string, policy: UrlPolicy, resolver: Resolver = systemResolver): Promise<string | null> {
  const syntax = urlSyntaxRefusal(text, policy);
  if (syntax) return syntax;
  const host = hostOf(new URL(text));
  if (isIP(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolver(host);
  } catch (error) {
    return `host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? error})`;
  }
  if (addresses.length === 0) return `host ${host} does not resolve`;
  const http = new URL(text).protocol === 'http:';
  for (const address of addresses) {
    const refusal = addressRefusal(address, policy) ?? (http ? httpRefusal(address) : null);
    if (refusal) return refusal;
  }
  return null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses to connect to a refused address, so a host whose DNS changes
 * between the check and the connection (rebinding) is still caught.
 */
export function checkedLookup(policy: UrlPolicy, http: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, options.all ? [] : '');
      const refused = addresses.map((a) => addressRefusal(a.address, policy) ?? (http ? httpRefusal(a.address) : null)).find((r) => r !== null);
      if (refused) return callback(Object.assign(new Error(`refused: ${hostname} ${refused}`), { code: 'EWEBHOOKREFUSED' }), options.all ? [] : '');
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** A campaign's statusCallbackUrl (POST /call, the CSV form), checked without DNS (its host is resolved at each delivery). */
export function statusCallbackUrlErrors(url: string | undefined, policy: UrlPolicy): { field: string; message: string }[] {
  const refusal = url === undefined ? null : urlSyntaxRefusal(url, policy);
  return refusal ? [{ field: 'statusCallbackUrl', message: refusal }] : [];
}
