// A real Sluice with a valve pipeline for end-to-end valve tests: valve files written into a fresh
// temp dir per test, real echo backends, createSluice (frontend + admin on 127.0.0.1:0, the valve
// host as a child process), a pino logger whose lines the test can read, and bounded waits on the
// admin API. Everything is stopped and removed in t.after (or by stop() for a shared Sluice).
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import type { ClientOptions } from 'ws';
import { loadConfigFile } from '../../runtime/config/index.ts';
import { createSluice } from '../../runtime/index.ts';
import type { Sluice } from '../../runtime/sluice.ts';
import { AdminClient } from './admin.ts';
import { TestClient } from './client.ts';
import { startBackend, type TestBackend, type TestBackendOptions } from './test-backend.ts';
import { waitEvent, waitUntil } from './wait.ts';

type Raw = Record<string, unknown>;

/** The fixture valves of test/valves/fixtures/. */
export const VALVE_FIXTURES = new URL('../valves/fixtures/', import.meta.url);

/** The source of the fixture valve `name` (test/valves/fixtures/NAME). */
export function fixture(name: string): string {
  return readFileSync(new URL(name, VALVE_FIXTURES), 'utf8');
}

export interface ValveSluiceOptions {
  /** Valve files to write into the temp dir: file name → source. */
  valves: Record<string, string>;
  /** `pipeline:` entries as in a config file (`valve: ./x.js` is relative to the temp dir). */
  pipeline: Raw[];
  /** Backends to start (echo backends unless options say otherwise); default 1. */
  backends?: number | TestBackendOptions[];
  /** Keys merged into `server` and `upstream`. */
  server?: Raw;
  upstream?: Raw;
  /** Watch the valve files (and the config file) and hot-reload them. */
  watch?: boolean;
  /** Write the config to `sluice.json` in the temp dir and load it from there (config hot reload). */
  configFile?: boolean;
}

/** One line the logger wrote (pino's JSON object). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** What `GET /pipeline` returns (the fields these tests read). */
export interface PipelineJson {
  version: number | undefined;
  hostPid: number | undefined;
  hostRestarts: number;
  valves: {
    name: string;
    source: string;
    sha256: string;
    status: string;
    calls: number;
    drops: number;
    errors: number;
    lastError?: { file: string; line: number; column: number; message: string };
  }[];
  lastError?: { kind: string; file: string; line: number; column: number; message: string };
  lastReload?: { kind: string; result: string };
}

export interface ValveSluice {
  dir: string;
  sluice: Sluice;
  /** ws://127.0.0.1:PORT */
  url: string;
  admin: AdminClient;
  backends: TestBackend[];
  /** Every line the logger wrote so far. */
  logs: LogLine[];
  /** The config file (with `configFile: true`). */
  configPath: string | undefined;
  /** Opens a tracked client on `path` (closed in t.after). */
  connect(path?: string, protocols?: string | string[], options?: ClientOptions): Promise<TestClient>;
  /** Absolute path of a file in the temp dir. */
  path(name: string): string;
  /** Writes a file in the temp dir in place. */
  write(name: string, text: string): void;
  /** Writes a temp file beside it and renames it over the file (an editor's "safe write"). */
  writeAtomic(name: string, text: string): void;
  pipeline(): Promise<PipelineJson>;
  /** Waits (bounded) until `GET /pipeline` satisfies `check`; resolves with that state. */
  waitPipeline(check: (p: PipelineJson) => boolean, what: string, ms?: number): Promise<PipelineJson>;
  /** Sum of the samples of `name` in GET /metrics whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Waits (bounded) until a log line from index `from` on satisfies `check`; resolves with it. */
  waitLog(check: (l: LogLine) => boolean, what: string, ms?: number, from?: number): Promise<LogLine>;
  /** Closes the clients, stops Sluice and the backends, removes the temp dir (also run by t.after). */
  stop(): Promise<void>;
}

/** Sum of every sample of `name` in Prometheus text whose labels contain all of `labels`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Starts backends and a Sluice running `options.pipeline`. With `t`, everything is stopped in
 * t.after; without it (a suite sharing one Sluice), call stop() in the suite's after().
 */
export async function startValveSluice(
  options: ValveSluiceOptions,
  t?: Pick<TestContext, 'after'>,
): Promise<ValveSluice> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-valves-'));
  const backends: TestBackend[] = [];
  const clients: TestClient[] = [];
  let sluice: Sluice | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(clients.map((c) => c.close()));
      await sluice?.stop();
      await Promise.all(backends.map((b) => b.stop()));
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  t?.after(stop);

  try {
    return await start(options, dir, backends, clients, stop, (s) => {
      sluice = s;
    });
  } catch (err) {
    await stop();
    throw err;
  }
}

async function start(
  options: ValveSluiceOptions,
  dir: string,
  backends: TestBackend[],
  clients: TestClient[],
  stop: () => Promise<void>,
  started: (s: Sluice) => void,
): Promise<ValveSluice> {
  for (const [name, text] of Object.entries(options.valves)) writeFileSync(join(dir, name), text);
  const specs =
    typeof options.backends === 'number' || options.backends === undefined
      ? Array.from({ length: options.backends ?? 1 }, () => ({}))
      : options.backends;
  for (const spec of specs) backends.push(await startBackend(spec));

  const config: Raw = {
    server: {
      frontend: { address: '127.0.0.1:0' },
      admin: { address: '127.0.0.1:0' },
      ...options.server,
    },
    upstream: {
      backends: backends.map((b) => ({ url: b.url, 'handshake-timeout': '1s', 'breaker-threshold': 100000 })),
      'failover-timeout': '2s',
      ...options.upstream,
    },
    pipeline: options.pipeline,
  };
  const logs: LogLine[] = [];
  const logEvents = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'info' }, logEvents);

  let configPath: string | undefined;
  let sluice: Sluice;
  if (options.configFile) {
    configPath = join(dir, 'sluice.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const loaded = await loadConfigFile(configPath, {});
    if (!loaded.config) throw new Error(`bad test config: ${JSON.stringify(loaded.problems)}`);
    sluice = await createSluice(loaded.config, { logger, watch: options.watch });
  } else {
    sluice = await createSluice(config, { logger, baseDir: dir, watch: options.watch });
  }
  started(sluice);
  const addr = await sluice.start();
  const url = `ws://127.0.0.1:${addr.frontend.port}`;
  const admin = new AdminClient(`http://127.0.0.1:${addr.admin.port}`);

  const pipeline = async (): Promise<PipelineJson> => {
    const r = await admin.get<PipelineJson>('/pipeline');
    if (r.status !== 200) throw new Error(`GET /pipeline answered ${r.status}: ${r.text}`);
    return r.json;
  };
  return {
    dir,
    sluice,
    url,
    admin,
    backends,
    logs,
    configPath,
    async connect(path = '/', protocols, opts) {
      const c = new TestClient(url + path, protocols, opts);
      clients.push(c);
      return c.open();
    },
    path: (name) => join(dir, name),
    write: (name, text) => writeFileSync(join(dir, name), text),
    writeAtomic(name, text) {
      const tmp = join(dir, `.${name}.${process.hrtime.bigint()}.part`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(dir, name));
    },
    pipeline,
    waitPipeline: (check, what, ms = 5000) =>
      waitUntil(
        async () => {
          const p = await pipeline();
          return check(p) ? p : false;
        },
        what,
        ms,
        20,
      ),
    async metric(name, labels = {}) {
      const r = await admin.get('/metrics');
      return sample(r.text, name, labels);
    },
    waitLog: (check, what, ms = 5000, from = 0) =>
      waitUntil(() => logs.slice(from).find(check), what, ms, 10),
    stop,
  };
}

/** Sends the numbered messages `${prefix}${from}` … `${prefix}${from + count - 1}`. */
export function sendNumbered(client: TestClient, prefix: string, from: number, count: number): void {
  for (let i = from; i < from + count; i++) client.send(`${prefix}${i}`);
}

/** Resolves with the index of the first message at or after `from` that `backend` received as `text`. */
export async function waitBackendText(
  backend: TestBackend,
  text: string,
  from = 0,
  ms = 5000,
): Promise<number> {
  let scanned = from;
  let found = -1;
  const check = () => {
    for (; scanned < backend.received.length; scanned++) {
      if (!backend.received[scanned].binary && backend.received[scanned].data.toString() === text) {
        found = scanned;
        return true;
      }
    }
    return false;
  };
  await waitEvent(backend.events, 'message', check, ms, `"${text}" at ${backend.url}`);
  return found;
}

/** Messages as `text:…` or `bin:1,2,3`, for compact assertions. */
export function shown(messages: { data: Buffer; binary: boolean }[]): string[] {
  return messages.map((m) => (m.binary ? `bin:${[...m.data].join(',')}` : `text:${m.data.toString()}`));
}

/** Sends `text` and resolves with the text of the next message the client receives. */
export async function ask(client: TestClient, text: string, ms = 5000): Promise<string> {
  const n = client.messages.length;
  client.send(text);
  await client.waitFor(n + 1, ms);
  return client.messages[n].data.toString();
}

/** The sha256 `GET /pipeline` shows for a valve whose source is `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
