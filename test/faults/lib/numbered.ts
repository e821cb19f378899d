// Numbered traffic for fault tests: each session sends `c<conn>:<seq>` with seq 0, 1, 2, …; the
// echo backends answer `<backend>|c<conn>:<seq>` (`<backend>|<tag>:c<conn>:<seq>` behind a valve
// that tags messages), so every session can tell what came back, from which backend (and valve
// version), in which order. `analyze` turns that into lost / duplicated / reordered counts.
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { waitEvent } from '../../helpers/wait.ts';

// backend | optional tag: | c conn : seq
const ECHO = /^([^|]+)\|(?:([^:|]+):)?c(\d+):(\d+)$/;

export class NumberedClient {
  readonly conn: number;
  readonly ws: WebSocket;
  sent = 0;
  /** Echoed seqs in arrival order, and the backend that echoed each. */
  readonly seqs: number[] = [];
  readonly from: string[] = [];
  /** Messages that were not numbered echoes. */
  readonly other: string[] = [];
  /** performance.now() of each echo (parallel to seqs). */
  readonly at: number[] = [];
  /** The valve tag of each echo, '' when untagged (parallel to seqs). */
  readonly tags: string[] = [];
  /** performance.now() of each send, by seq. */
  readonly sentAt: number[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly events: EventEmitter;

  constructor(url: string, conn: number, events: EventEmitter) {
    this.conn = conn;
    this.events = events;
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
    this.ws.on('message', (data: Buffer, binary: boolean) => this.onMessage(data, binary));
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.events.emit('close', this);
    });
  }

  private onMessage(data: Buffer, binary: boolean): void {
    const m = binary ? null : ECHO.exec(data.toString());
    if (m !== null && Number(m[3]) === this.conn) {
      this.seqs.push(Number(m[4]));
      this.from.push(m[1]);
      this.tags.push(m[2] ?? '');
      this.at.push(performance.now());
    } else {
      this.other.push(binary ? `<binary ${data.length}>` : data.toString());
    }
    this.events.emit('message', this);
  }

  open(ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`session ${this.conn} did not open in ${ms} ms`)), ms);
      this.ws.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        res.resume();
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      });
      this.ws.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`session ${this.conn} closed while opening`));
      });
    });
  }

  /** Sends the next numbered message (no-op once the socket is not open). */
  send(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.sentAt.push(performance.now());
    this.ws.send(`c${this.conn}:${this.sent++}`);
  }

  /** The backend that echoed the last message, if any. */
  get lastBackend(): string | undefined {
    return this.from[this.from.length - 1];
  }

  /** Every sent message came back (the highest seq sent was echoed). */
  get settled(): boolean {
    return this.sent === 0 || this.seqs.includes(this.sent - 1);
  }
}

export interface Delivery {
  lost: number[];
  duplicates: number;
  reordered: number;
  /** Runs of the same backend in arrival order (`['a','b']` is one switch). */
  runs: string[];
}

/** What came back to one client, judged against what it sent. */
export function analyze(c: NumberedClient): Delivery {
  const seen = new Uint8Array(c.sent);
  let duplicates = 0;
  let reordered = 0;
  let max = -1;
  for (const s of c.seqs) {
    if (s < c.sent) {
      if (seen[s]) duplicates++;
      seen[s] = 1;
    }
    if (s < max) reordered++;
    else max = s;
  }
  const lost: number[] = [];
  for (let i = 0; i < c.sent; i++) if (!seen[i]) lost.push(i);
  const runs: string[] = [];
  for (const b of c.from) if (runs[runs.length - 1] !== b) runs.push(b);
  return { lost, duplicates, reordered, runs };
}

/** Round-trip times (ms) of every echoed message of `clients`. */
export function latencies(clients: NumberedClient[]): number[] {
  const out: number[] = [];
  for (const c of clients) for (let i = 0; i < c.seqs.length; i++) out.push(c.at[i] - c.sentAt[c.seqs[i]]);
  return out;
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A set of numbered sessions on one proxy, opened with bounded concurrency. */
export class Fleet {
  readonly clients: NumberedClient[] = [];
  readonly events = new EventEmitter();
  private pacer: NodeJS.Timeout | undefined;

  constructor() {
    this.events.setMaxListeners(0);
  }

  /** Opens `n` sessions to `url` (conn numbers continue after existing ones), `parallel` at a time. */
  async open(url: string, n: number, parallel = 50): Promise<NumberedClient[]> {
    const added: NumberedClient[] = [];
    const base = this.clients.length;
    for (let i = 0; i < n; i += parallel) {
      const batch: NumberedClient[] = [];
      for (let j = i; j < Math.min(n, i + parallel); j++)
        batch.push(new NumberedClient(url, base + j, this.events));
      this.clients.push(...batch);
      added.push(...batch);
      await Promise.all(batch.map((c) => c.open()));
    }
    return added;
  }

  /** Sends one numbered message on every open session. */
  tick(): void {
    for (const c of this.clients) c.send();
  }

  /** Sends one message on every session every `ms` until stopPacing(). */
  startPacing(ms: number): void {
    this.stopPacing();
    this.pacer = setInterval(() => this.tick(), ms);
  }

  stopPacing(): void {
    if (this.pacer) clearInterval(this.pacer);
    this.pacer = undefined;
  }

  /** Waits until every session still open got the echo of its last message. */
  waitSettled(ms = 10_000, which: NumberedClient[] = this.clients): Promise<void> {
    const pending = () => which.filter((c) => c.closed === undefined && !c.settled);
    return waitEvent(
      this.events,
      'message',
      () => pending().length === 0,
      ms,
      `every session to get its last echo (${pending().length} waiting, e.g. conn ${pending()[0]?.conn})`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${pending().length} sessions unsettled`);
    });
  }

  /** Closes every session (bounded: terminate after 3 s). */
  async close(): Promise<void> {
    this.stopPacing();
    const open = this.clients.filter((c) => c.closed === undefined);
    for (const c of open) c.ws.close(1000);
    await waitEvent(
      this.events,
      'close',
      () => open.every((c) => c.closed !== undefined),
      3000,
      'closes',
    ).catch(() => {
      for (const c of open) c.ws.terminate();
    });
  }
}

/** Sends `text` on a TestClient-like client and resolves with the next message's text. */
export async function reply(
  c: { messages: { data: Buffer }[]; send(d: string): void; waitFor(n: number, ms?: number): Promise<void> },
  text: string,
  ms = 5000,
): Promise<string> {
  const n = c.messages.length;
  c.send(text);
  await c.waitFor(n + 1, ms);
  return c.messages[n].data.toString();
}
