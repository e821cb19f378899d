// Replies of the admin API and how they are written. Every JSON body goes through JSON.stringify,
// so ids, URLs and error text with quotes or control characters always give well-formed JSON
// (wsbalancer assembled JSON with fmt and could emit invalid JSON, WSBALANCER.md §3).
import type { ServerResponse } from 'node:http';
import type { ActionOutcome } from '../control/bus.ts';

/** What a route answers: a JSON value, or text with its own content type (Prometheus). */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> };

/** `{"result":"success"}` */
export const SUCCESS: Reply = { status: 200, json: { result: 'success' } };

/** `{"result":"success","reason":"NoActionRequired"}` */
export const NO_ACTION: Reply = { status: 200, json: { result: 'success', reason: 'NoActionRequired' } };

/** `{"result":"failed","reason":…}` with the given HTTP status. */
export function failed(status: number, reason: string, headers?: Record<string, string>): Reply {
  return { status, json: { result: 'failed', reason }, headers };
}

/** Maps a ControlBus outcome to wsbalancer's shapes with Sluice's status codes (CONTRACT.md §5). */
export function outcomeReply(outcome: ActionOutcome): Reply {
  switch (outcome?.kind) {
    case 'success':
      return SUCCESS;
    case 'noop':
      return NO_ACTION;
    case 'not-found':
      return failed(404, 'NotFound');
    case 'invalid':
      return failed(400, String(outcome.reason));
    case 'conflict':
      return failed(409, String(outcome.reason));
    default:
      // A bus bug must still give the caller a well-formed answer.
      return failed(500, `InternalError: the control bus returned an unknown outcome ${safeJson(outcome)}`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * Writes a reply and returns the status sent; `close` asks Node to close the connection
 * afterwards (unread request body). A JSON value that cannot be serialised (a BigInt, a cycle)
 * becomes a 500 rather than an exception.
 */
export function writeReply(res: ServerResponse, reply: Reply, close: boolean): number {
  let status = reply.status;
  let body: string;
  let contentType: string;
  let headers = reply.headers;
  if ('json' in reply) {
    contentType = 'application/json';
    try {
      body = JSON.stringify(reply.json) ?? 'null';
    } catch (err) {
      status = 500;
      headers = undefined;
      const reason = `InternalError: the answer could not be encoded as JSON: ${(err as Error).message}`;
      body = JSON.stringify({ result: 'failed', reason });
    }
  } else {
    body = reply.text;
    contentType = reply.contentType;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (close) res.setHeader('Connection', 'close');
  res.end(body);
  return status;
}

/** The `result`/`reason` of a reply, for the access log. */
export function replySummary(reply: Reply): string {
  if (!('json' in reply)) return 'ok';
  const json = reply.json as { result?: unknown; reason?: unknown; status?: unknown } | null;
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    if (typeof json.reason === 'string') return `${String(json.result ?? json.status)}:${json.reason}`;
    if (json.result !== undefined) return String(json.result);
    if (json.status !== undefined) return String(json.status);
  }
  return 'ok';
}
