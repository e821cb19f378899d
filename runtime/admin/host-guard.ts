// DNS-rebinding guard (FAULTS.md 48). A browser page on evil.example whose name is re-pointed at
// 127.0.0.1 can reach the admin port, but its requests carry `Host: evil.example`. Only Host
// values naming this listener are accepted: the listen address, a loopback name or IP with the
// listen port, the machine's own IPs when bound to all interfaces, or server.admin.allowed-hosts.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface HostPort {
  /** Lower case; IPv6 addresses without brackets. */
  hostname: string;
  /** undefined when the value carried no port. */
  port: number | undefined;
}

/** Splits `name:port`, `[v6]:port`, `name` or `[v6]`; undefined when it is not a host value. */
export function parseHostPort(value: string): HostPort | undefined {
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  let hostname: string;
  let rest: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    hostname = text.slice(1, end);
    rest = text.slice(end + 1);
  } else {
    const colon = text.indexOf(':');
    hostname = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    if (rest.indexOf(':', 1) >= 0) return undefined; // bare IPv6 is not a valid Host
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1); // `localhost.` is `localhost`
  if (hostname === '' || /[\s/@?#\\]/.test(hostname)) return undefined;
  if (rest === '') return { hostname, port: undefined };
  if (!/^:\d{1,5}$/.test(rest)) return undefined;
  const port = Number(rest.slice(1));
  return port <= 65535 ? { hostname, port } : undefined;
}

/** True for `localhost`, 127.0.0.0/8 and ::1: names other machines cannot reach. */
export function isLoopbackName(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (isIP(hostname) === 4) return hostname.startsWith('127.');
  return hostname === '::1' || hostname === '::ffff:127.0.0.1';
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) out.push(entry.address.toLowerCase().replace(/%.*$/, ''));
  }
  return out;
}

/** Builds the Host check for a listener bound to `listenHost:port`. */
export function createHostGuard(
  listenHost: string,
  port: number,
  allowedHosts: readonly string[],
): (host: string | undefined) => boolean {
  const names = new Set<string>();
  const listen = parseHostPort(listenHost)?.hostname ?? '';
  if (isWildcard(listenHost) || isWildcard(listen)) for (const ip of localAddresses()) names.add(ip);
  else names.add(listen);

  // Entries with a port match exactly; entries without one match that name on any port.
  const anyPort = new Set<string>();
  const exact = new Set<string>();
  for (const entry of allowedHosts) {
    const parsed = parseHostPort(entry);
    if (!parsed) continue;
    if (parsed.port === undefined) anyPort.add(parsed.hostname);
    else exact.add(`${parsed.hostname}:${parsed.port}`);
  }

  return function hostAllowed(host) {
    if (host === undefined) return false;
    const parsed = parseHostPort(host);
    if (!parsed) return false;
    const hostPort = parsed.port ?? 80; // a Host without a port means the scheme's default
    if (anyPort.has(parsed.hostname) || exact.has(`${parsed.hostname}:${hostPort}`)) return true;
    if (hostPort !== port) return false;
    return names.has(parsed.hostname) || isLoopbackName(parsed.hostname);
  };
}
