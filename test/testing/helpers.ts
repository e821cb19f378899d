// Helpers for the valve tooling tests: the fixtures folder, temp folders, a backend and a client
// that keep every message they received, and bounded waits on them.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** A message as a peer received it. */
export interface Got {
  type: 'text' | 'binary';
  data: string;
}

function got(data: Buffer, binary: boolean): Got {
  return binary
    ? { type: 'binary', data: data.toString('base64') }
    : { type: 'text', data: data.toString('utf8') };
}

/** A fresh temp folder (removed by the returned cleanup), optionally seeded with fixture folders. */
export async function tempDir(...seed: string[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-testing-'));
  for (const s of seed) await cp(join(FIXTURES, s), join(dir, s), { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Resolves when `check()` holds, re-checking each time `onChange` fires; rejects after `ms`. */
function until(
  check: () => boolean,
  subscribe: (wake: () => void) => void,
  ms: number,
  what: string,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A WebSocket backend that records what it receives and answers text with `echo:<text>`. */
export class RecordingBackend {
  readonly received: Got[] = [];
  url = '';
  private readonly wss: WebSocketServer;
  private readonly server = createServer();
  private readonly wakers: (() => void)[] = [];

  constructor() {
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer, binary: boolean) => {
        this.received.push(got(data, binary));
        if (!binary) ws.send(`echo:${data.toString('utf8')}`);
        for (const w of this.wakers) w();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `n` messages arrived (fails after 5 s). */
  waitFor(n: number): Promise<void> {
    return until(
      () => this.received.length >= n,
      (w) => this.wakers.push(w),
      5000,
      `${n} backend messages`,
    );
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A client that records every message it receives. */
export class RecordingClient {
  readonly received: Got[] = [];
  readonly ws: WebSocket;
  private readonly wakers: (() => void)[] = [];
  closed: { code: number } | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.received.push(got(data, binary));
      for (const w of this.wakers) w();
    });
    ws.on('close', (code) => {
      this.closed = { code };
      for (const w of this.wakers) w();
    });
  }

  /** Connects and waits for the upgrade. */
  static async connect(url: string): Promise<RecordingClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RecordingClient(ws);
  }

  /** Resolves once `n` messages arrived (fails after 5 s). */
  waitFor(n: number): Promise<void> {
    return until(
      () => this.received.length >= n,
      (w) => this.wakers.push(w),
      5000,
      `${n} client messages`,
    );
  }

  /** Closes and waits for the close handshake to finish. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close(1000);
    await until(
      () => this.closed !== undefined,
      (w) => this.wakers.push(w),
      5000,
      'the client close',
    );
  }
}
