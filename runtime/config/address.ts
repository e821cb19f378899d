// Listen addresses as Go's net.Listen takes them: `host:port`, `:8080` (every interface),
// `[::1]:8081`, `localhost:0` (a free port).
import { isIP } from 'node:net';

export interface ListenAddress {
  /** '' means every interface. */
  host: string;
  port: number;
}

/** Splits `host:port`; throws a RangeError naming what is wrong. */
export function parseListenAddress(address: string): ListenAddress {
  const result = checkListenAddress(address);
  if (typeof result === 'string') throw new RangeError(result);
  return result;
}

/** The parsed address, or the reason it is not one. */
export function checkListenAddress(address: unknown): ListenAddress | string {
  if (typeof address !== 'string') return 'expected host:port, e.g. 127.0.0.1:8080 or :8080';
  const colon = address.lastIndexOf(':');
  if (colon < 0) return `"${address}" has no port: write host:port, e.g. 127.0.0.1:8080 or :8080`;
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || isIP(host.slice(1, -1).split('%')[0]) !== 6) {
      return `"${address}": "${host}" is not a bracketed IPv6 address such as [::1]`;
    }
    host = host.slice(1, -1);
  } else if (host.includes(':')) {
    return `"${address}": put an IPv6 host in brackets, e.g. [::1]:8081`;
  } else if (/[\s/[\]]/.test(host)) {
    return `"${address}": "${host}" is not a host name or IP address`;
  }
  if (!/^[0-9]+$/.test(portText)) return `"${address}": port "${portText}" is not a number`;
  const port = Number(portText);
  if (port > 65535) return `"${address}": port ${port} is out of range (0–65535)`;
  return { host, port };
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses other machines cannot reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    const expanded = expandIpv6(h);
    return expanded === '0:0:0:0:0:0:0:1' || /^0:0:0:0:0:ffff:7f/.test(expanded);
  }
  return false;
}

/** `::1` → `0:0:0:0:0:0:0:1` (groups without leading zeros), for comparisons. */
function expandIpv6(ip: string): string {
  const url = new URL(`http://[${ip}]/`);
  const compact = url.hostname.slice(1, -1);
  const [head, tail] = compact.includes('::') ? compact.split('::') : [compact, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}
