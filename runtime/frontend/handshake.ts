// Checks a client's upgrade request before any backend is dialled, and builds the headers the
// backend sees. Runs once per handshake, not per message.
import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from '../config/model.ts';
import type { ErrorCode } from '../errors.ts';

// Never forwarded: hop-by-hop headers and those the proxy sets itself on the backend handshake.
const HOP_BY_HOP = new Set([
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  'host',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]);

const KEY_RE = /^[+/0-9A-Za-z]{22}==$/;

/** Splits a comma-separated header into lower-case tokens (`keep-alive, Upgrade`). */
export function headerTokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

const NO_PROTOCOLS: string[] = [];

/** The client's subprotocol offer, in order (a shared empty array when there is none: never mutate). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (raw === undefined) return NO_PROTOCOLS;
  return (Array.isArray(raw) ? raw.join(',') : raw)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Why an upgrade request is refused before dialling, or undefined when it may proceed. */
export function checkUpgrade(req: IncomingMessage, server: ServerConfig): ErrorCode | undefined {
  if (req.method !== 'GET') return 'SLUICE_ERR_NOT_WEBSOCKET';
  if (!headerTokens(req.headers.upgrade).includes('websocket')) return 'SLUICE_ERR_NOT_WEBSOCKET';
  if (!headerTokens(req.headers.connection).includes('upgrade')) return 'SLUICE_ERR_NOT_WEBSOCKET';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY_RE.test(key.trim())) return 'SLUICE_ERR_NOT_WEBSOCKET';
  if (req.headers['sec-websocket-version'] !== '13') return 'SLUICE_ERR_BAD_VERSION';
  if (!originAllowed(req.headers.origin, server.allowedOrigins)) return 'SLUICE_ERR_ORIGIN';
  return undefined;
}

/** The origin policy: no list (or `*`) admits any origin; otherwise an exact, case-insensitive match. */
export function originAllowed(origin: string | undefined, allowed: string[]): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  if (origin === undefined) return true; // not a browser: the Origin policy is about browsers
  const o = origin.toLowerCase();
  return allowed.some((a) => a.toLowerCase() === o);
}

/** The client address as wsbalancer prints it: IPv4 plain, IPv6 in brackets. */
export function clientAddress(req: IncomingMessage): string {
  const raw = req.socket.remoteAddress ?? '';
  const ip = raw.startsWith('::ffff:') ? raw.slice(7) : raw;
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** Request headers for the backend handshake: filtered, X-Forwarded-For set (WSBALANCER.md §5.6–5.7). */
export function upstreamHeaders(
  req: IncomingMessage,
  server: ServerConfig,
): Record<string, string | string[]> {
  const blocked = blockedHeaders(server);
  const reconnect = server.reconnectHeader.toLowerCase();
  const out: Record<string, string | string[]> = {};
  const headers = req.headers;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || blocked.has(name) || name === reconnect) continue;
    if (name === 'x-forwarded-for') continue;
    out[name] = value;
  }
  const remote = clientAddress(req);
  const received = req.headers['x-forwarded-for'];
  const first = Array.isArray(received) ? received[0] : received;
  out['x-forwarded-for'] = server.trustReceivedXff && first ? `${first}, ${remote}` : remote;
  return out;
}

const blockedSets = new WeakMap<ServerConfig, Set<string>>();
/** `block-headers` as a lower-case set, built once per configuration (not per handshake). */
function blockedHeaders(server: ServerConfig): Set<string> {
  let set = blockedSets.get(server);
  if (set === undefined) {
    set = new Set(server.blockHeaders.map((h) => h.toLowerCase()));
    blockedSets.set(server, set);
  }
  return set;
}

// A request target made only of these needs no normalisation (no dot segment, escape, backslash,
// fragment, `//` authority, or character that WHATWG URL parsing percent-encodes): it is split as
// is, without building a URL for every handshake.
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9\-_~/!$&'()*+,;=:@]*(?:\?[A-Za-z0-9\-_~/!$&()*+,;=:@?]*)?$/;

/** The path and query of a request target, as WHATWG URL parsing gives them (`/a/../b?x` → `/b`, `x`). */
export function splitPath(target: string): { path: string; query: string } {
  if (PLAIN_TARGET.test(target) && !target.includes('/.')) {
    const q = target.indexOf('?');
    return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
  }
  const url = new URL(target, 'ws://sluice');
  return { path: url.pathname, query: url.search.slice(1) };
}
