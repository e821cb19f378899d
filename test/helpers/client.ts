// A WebSocket client for tests that collects messages and awaits them by count, never by sleeping.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type ClientOptions, WebSocket } from 'ws';
import { waitEvent } from './wait.ts';

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  /** Headers of the proxy's 101 response, once open. */
  upgradeHeaders: IncomingHttpHeaders | undefined;

  constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
    this.ws = new WebSocket(url, protocols, options);
    this.ws.on('upgrade', (res: IncomingMessage) => {
      this.upgradeHeaders = res.headers;
    });
    this.ws.on('message', (data: Buffer, binary: boolean) => {
      this.messages.push({ data, binary });
      this.waiters = this.waiters.filter((w) => {
        if (this.messages.length >= w.n) w.resolve();
        return this.messages.length < w.n;
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w(this.closed);
    });
  }

  /** Opens; rejects with the HTTP status (as `status` on the error) when the upgrade is refused. */
  async open(ms = 10_000): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms opening the client`)), ms);
      this.ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.once('unexpected-response', (req, res) => {
        clearTimeout(timer);
        const err = Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
        });
        res.resume();
        req.destroy();
        reject(err);
      });
      this.ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return this;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Resolves when `n` messages have arrived in total, or rejects after `ms`. */
  waitFor(n: number, ms = 10_000): Promise<void> {
    if (this.messages.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${n} messages (have ${this.messages.length})`)),
        ms,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Resolves with the index of the first message from `from` on whose text is `text`. */
  async waitText(text: string, from = 0, ms = 5000): Promise<number> {
    let scanned = from;
    let found = -1;
    const check = () => {
      for (; scanned < this.messages.length; scanned++) {
        if (this.messages[scanned].data.toString() === text) {
          found = scanned;
          return true;
        }
      }
      return false;
    };
    await waitEvent(this.ws, 'message', check, ms, `message "${text}"`);
    return found;
  }

  /** Sends `text` and resolves once it comes back (an echo through the proxy). */
  async echo(text: string, ms = 5000): Promise<void> {
    const from = this.messages.length;
    this.send(text);
    await this.waitText(text, from, ms);
  }

  /** Resolves with the close code and reason, or rejects after `ms`. */
  waitClose(ms = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), ms);
      this.closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  texts(): string[] {
    return this.messages.map((m) => m.data.toString());
  }

  /** Closes with `code`/`reason` and waits (at most 5 s, then terminates) for the close to complete. */
  async close(code?: number, reason?: string): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    // Not events.once: it rejects on the 'error' a handshake aborted by terminate() emits first.
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(code, reason);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 5000);
    });
    await Promise.race([closed, late]);
    clearTimeout(timer);
  }
}

/** Connects a client and waits until it is open. */
export function connect(
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
): Promise<TestClient> {
  return new TestClient(url, protocols, options).open();
}

/** Tries to connect; resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
export async function connectStatus(url: string, options?: ClientOptions): Promise<number> {
  const client = new TestClient(url, undefined, options);
  try {
    await client.open();
    await client.close();
    return 101;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}
