// Opens many client WebSockets with a bounded number of handshakes in flight and a deadline.
import WebSocket from 'ws';

const CLIENT_OPTIONS: WebSocket.ClientOptions = {
  perMessageDeflate: false,
  skipUTF8Validation: true,
  // An all-zero mask is a valid mask and lets ws skip masking: less load-generator CPU, the
  // same bytes for every target.
  generateMask: () => {},
  handshakeTimeout: 10_000,
};

/** send() options for the bench's messages: JSON text frames (a Buffer would go as binary). */
export const TEXT = Object.freeze({ binary: false });

/** Opens one socket; resolves once it is open, rejects on error or close before that. */
export function openOne(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, CLIENT_OPTIONS);
    const fail = (err: Error | string) => {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      reject(err instanceof Error ? err : new Error(err));
    };
    ws.once('open', () => {
      ws.removeAllListeners();
      resolve(ws);
    });
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(`handshake answered ${res.statusCode}`));
    ws.once('close', (code) => fail(`closed with ${code} before open`));
  });
}

export interface Opened {
  sockets: WebSocket[];
  failed: number;
  firstError: string | undefined;
}

/** Opens `n` sockets, at most `parallel` handshakes at a time, giving up after `deadlineMs`. */
export async function openMany(url: string, n: number, parallel = 64, deadlineMs = 60_000): Promise<Opened> {
  const sockets: WebSocket[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const end = Date.now() + deadlineMs;
  const lane = async () => {
    while (next < n && Date.now() < end) {
      next++;
      try {
        sockets.push(await openOne(url));
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
  failed += n - next;
  return { sockets, failed, firstError };
}

/** Closes every socket at once (no close handshake wait). */
export function terminateAll(sockets: WebSocket[]): void {
  for (const ws of sockets) {
    ws.removeAllListeners();
    ws.on('error', () => {});
    ws.terminate();
  }
}
