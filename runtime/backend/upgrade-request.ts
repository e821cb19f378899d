// The HTTP/1.1 upgrade request of a backend handshake, written as one latin1 string. It follows
// what ws's client sent through http.request (same URL handling, same header checks, Host and
// Basic auth from the URL) without building a ClientRequest per dial: on a failover, dialling is
// what the proxy spends its time on (docs/balancer.md "Failover").
import { createHash, randomFillSync } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isIP } from 'node:net';
import { unescape as unescapeQuery } from 'node:querystring';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 6455 §4.1: a subprotocol is an HTTP token. */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;
/** Sec-WebSocket-Key nonces are cut from one CSPRNG fill instead of one randomBytes call each. */
const KEYS_PER_FILL = 64;
const keyPool = Buffer.alloc(16 * KEYS_PER_FILL);
let keyOffset = keyPool.length;

export interface UpgradeRequest {
  secure: boolean;
  host: string;
  port: number;
  /** SNI name for wss:// ('' for an IP address, as ws sends none then). */
  servername: string;
  /** The request line and headers, ending with the empty line. */
  head: string;
  /** The Sec-WebSocket-Accept value a genuine WebSocket backend answers with. */
  accept: string;
}

export interface UpgradeRequestInput {
  url: string;
  headers: Record<string, string | string[]>;
  protocols: string[];
  /** Sec-WebSocket-Extensions offer, when the backend hop offers compression. */
  extensions: string | undefined;
}

/**
 * Builds the request. Throws a TypeError or SyntaxError (the client's request cannot be sent as
 * is: a header value with a control character, a bad subprotocol name, a fragment in the URL).
 */
export function buildUpgradeRequest(input: UpgradeRequestInput): UpgradeRequest {
  const url = new URL(input.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SyntaxError(`the backend URL ${input.url} must start with ws:// or wss://`);
  }
  if (url.hash) throw new SyntaxError(`the URL ${input.url} contains a fragment identifier`);
  const secure = url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const key = nextKey();
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\n`;
  let hasHost = false;
  let hasAuthorization = false;
  for (const name in input.headers) {
    validateHeaderName(name);
    const value = input.headers[name];
    if (Array.isArray(value)) {
      for (const v of value) head += headerLine(name, v);
    } else head += headerLine(name, value);
    const lower = name.toLowerCase();
    if (lower === 'host') hasHost = true;
    else if (lower === 'authorization') hasAuthorization = true;
  }
  head += `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n`;
  if (input.extensions !== undefined) head += `Sec-WebSocket-Extensions: ${input.extensions}\r\n`;
  if (input.protocols.length > 0) head += `Sec-WebSocket-Protocol: ${checkedProtocols(input.protocols)}\r\n`;
  if (!hasHost) head += `Host: ${url.host}\r\n`;
  if ((url.username || url.password) && !hasAuthorization) {
    const auth = `${unescapeQuery(url.username)}:${unescapeQuery(url.password)}`;
    head += `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n`;
  }
  return {
    secure,
    host,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    servername: isIP(host) ? '' : host,
    head: `${head}\r\n`,
    accept: createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64'),
  };
}

function headerLine(name: string, value: string): string {
  validateHeaderValue(name, value);
  return `${name}: ${value}\r\n`;
}

function checkedProtocols(protocols: string[]): string {
  const seen = new Set<string>();
  for (const p of protocols) {
    if (!TOKEN.test(p) || seen.has(p))
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    seen.add(p);
  }
  return protocols.join(',');
}

function nextKey(): string {
  if (keyOffset === keyPool.length) {
    randomFillSync(keyPool);
    keyOffset = 0;
  }
  keyOffset += 16;
  return keyPool.toString('base64', keyOffset - 16, keyOffset);
}
