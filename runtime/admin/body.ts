// Request bodies of the admin API: read with a hard cap (CONTRACT.md §5: over 64 KiB → 413).
// Reading stops at the cap; the caller answers 413 with `Connection: close` so the rest of the
// body is never buffered.
import type { IncomingMessage } from 'node:http';

/** The largest request body the admin API accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

export type BodyResult =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large' }
  /** The client went away before the body ended; there is nobody to answer. */
  | { kind: 'aborted' };

/** True when the request announces a body (a length above 0, or chunked). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** Reads the body up to `limit` bytes; `keep: false` counts and discards it. */
export function readBody(req: IncomingMessage, limit: number, keep: boolean): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve({ kind: 'too-large' });
  if (req.readableEnded) return Promise.resolve({ kind: 'ok', body: Buffer.alloc(0) });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ kind: 'too-large' });
      } else if (keep) {
        chunks.push(chunk);
      }
    };
    const onEnd = () => finish({ kind: 'ok', body: keep ? Buffer.concat(chunks, size) : Buffer.alloc(0) });
    const onAbort = () => finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON body; the error text names the position JSON.parse reports. */
export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (body.length === 0)
    return { ok: false, reason: 'InvalidJson: the request body is empty; send a JSON object' };
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { ok: false, reason: 'InvalidJson: the request body is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `InvalidJson: ${(err as Error).message}` };
  }
}
