// Raw HTTP on a TCP socket, for requests a WebSocket library would never send (odd Connection
// headers, missing keys) and for reading the exact status line the proxy answers.
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The socket, still open after a 101 (the caller destroys it). */
  socket: Socket;
}

/** A fresh Sec-WebSocket-Key. */
export function wsKey(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Sends `GET path` to `url`'s host and port with exactly `headers` (plus Host), and resolves with
 * the response head. Rejects after `ms`.
 */
export function rawRequest(
  url: string,
  path: string,
  headers: Record<string, string>,
  ms = 5000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out after ${ms} ms waiting for a response to GET ${path}`));
    }, ms);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => {
      const lines = [`GET ${path} HTTP/1.1`, `Host: ${hostname}:${port}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      const [statusLine, ...rest] = head.slice(0, end).split('\r\n');
      const out: Record<string, string> = {};
      for (const line of rest) {
        const colon = line.indexOf(':');
        if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: out, socket });
    };
    socket.on('data', onData);
  });
}

/** The headers of a valid WebSocket upgrade request (version 13, fresh key). */
export function upgradeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': wsKey(),
    ...extra,
  };
}

export interface RawBackend {
  server: Server;
  url: string;
  /** Upgrade requests received (their head, as text). */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * A TCP server that reads each request head and calls `answer` with it and the socket: for
 * backends that misbehave in ways no WebSocket library would (wrong accept key, no answer).
 */
export async function startRawBackend(answer: (head: string, socket: Socket) => void): Promise<RawBackend> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      requests.push(head);
      answer(head, socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `ws://127.0.0.1:${port}`,
    requests,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
