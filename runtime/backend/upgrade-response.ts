// Reads the head of a backend's answer to an upgrade request: the status line and headers, up to
// the empty line. Informational answers (1xx other than 101) are skipped, as Node's HTTP client
// does. The bytes after the head are WebSocket frames the backend sent right after its 101.

/** Node's default --max-http-header-size: the same limit the http.request-based dial had. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: |$)/;
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

export interface ResponseHead {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (Set-Cookie: one entry each). */
  headers: Record<string, string | string[]>;
}

export class ResponseHeadReader {
  private pending: Buffer | undefined;

  /**
   * Takes the next chunk from the socket. Returns the final head and the bytes after it, or
   * undefined while the head is incomplete. Throws an Error that says what is wrong with it.
   */
  push(chunk: Buffer): { head: ResponseHead; rest: Buffer } | undefined {
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = buf.indexOf(HEAD_END);
      if (end < 0 || end > MAX_RESPONSE_HEAD_BYTES) {
        if (buf.length > MAX_RESPONSE_HEAD_BYTES) {
          throw new Error(`the response headers are over ${MAX_RESPONSE_HEAD_BYTES / 1024} KiB`);
        }
        this.pending = buf;
        return undefined;
      }
      const head = parseHead(buf.toString('latin1', 0, end));
      buf = buf.subarray(end + HEAD_END.length);
      if (head.status < 200 && head.status !== 101) continue;
      this.pending = undefined;
      return { head, rest: buf };
    }
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]);
  if (!m) throw new Error(`invalid HTTP status line "${lines[0].slice(0, 80)}"`);
  const headers: Record<string, string | string[]> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    const raw = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(raw)) throw new Error(`invalid HTTP header line "${line.slice(0, 80)}"`);
    const name = raw.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    if (name === 'set-cookie') {
      if (prev === undefined) headers[name] = [value];
      else (prev as string[]).push(value);
    } else headers[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return { status: Number(m[1]), headers };
}
