// A WebSocket client for tests that collects messages and awaits them by count, never by sleeping.
import { once } from 'node:events';
import { WebSocket, type ClientOptions } from 'ws';

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  constructor(url: string, protocols?: string | string[], options?: ClientOptions) {
    this.ws = new WebSocket(url, protocols, options);
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
  async open(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        const err = Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
          status: res.statusCode,
        });
        reject(err);
      });
      this.ws.once('error', reject);
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

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await once(this.ws, 'close');
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
