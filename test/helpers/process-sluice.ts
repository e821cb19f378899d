// A real Sluice CLI process (`node runtime/cli.ts run sluice.yaml`) in a fresh temp dir, for fault
// tests that must see the proxy process itself: its PID survives, its fd count and RSS from /proc,
// its JSON log lines on stderr, its admin API and /metrics. Stopped (SIGTERM, then SIGKILL) and
// its temp dir removed in t.after.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientOptions } from 'ws';
import { stringify } from 'yaml';
import { AdminClient } from './admin.ts';
import { TestClient } from './client.ts';
import { waitEvent, waitUntil } from './wait.ts';

export const CLI_PATH = fileURLToPath(new URL('../../runtime/cli.ts', import.meta.url));

// A safety net: if this process exits before a test's cleanup ran, no Sluice is left behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

type Raw = Record<string, unknown>;
/** One JSON log line of the process (pino). */
export type ProcessLogLine = Raw & { msg?: string; level?: number };

export interface SluiceProcessOptions {
  /** The config (file shape); listeners default to 127.0.0.1:0 and the log level to info. */
  config: Raw;
  /** Files written into the temp dir before the start (valves): name → content. */
  files?: Record<string, string>;
  /** Extra environment (PATH and HOME are always passed). */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments after `run sluice.yaml` (`--no-watch`). */
  args?: string[];
  /** Log lines kept (the oldest are dropped past it; `logCount` counts them all). */
  maxLogLines?: number;
  /** Run as this user (root ignores file modes; a test of EACCES needs another user). */
  user?: { uid: number; gid: number };
  /** `ulimit -n` for the process (its open-file limit), to exhaust fds on purpose. */
  fdLimit?: number;
}

/** What GET /pipeline answers (the fields fault tests read). */
export interface PipelineState {
  version?: number;
  hostPid?: number;
  hostRestarts: number;
  valves: { name: string; source: string; sha256?: string; status: string; calls: number; errors: number }[];
  lastError?: { kind: string; file: string; line: number; column: number; message: string };
  lastReload?: { kind: string; result: string };
}

/** Sum of the samples of `name` in Prometheus text whose labels include all of `labels`. */
export function promSample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Open file descriptors of `pid`. */
export function fdsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export class SluiceProcess {
  readonly dir: string;
  /** The config it was started with (file shape, before the test defaults). */
  config: Raw;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly events = new EventEmitter();
  /** The last `maxLogLines` JSON log lines. */
  readonly logs: ProcessLogLine[] = [];
  logCount = 0;
  url = '';
  admin: AdminClient = new AdminClient('');
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private stdout = '';
  private stderrTail = '';
  private readonly clients: TestClient[] = [];
  private readonly maxLogLines: number;

  constructor(dir: string, options: SluiceProcessOptions) {
    this.dir = dir;
    this.config = options.config;
    this.maxLogLines = options.maxLogLines ?? 20_000;
    this.events.setMaxListeners(0);
    const argv = [CLI_PATH, 'run', 'sluice.yaml', ...(options.args ?? [])];
    // `exec` keeps the PID: the shell becomes the Sluice process
    const [file, args] =
      options.fdLimit === undefined
        ? [process.execPath, argv]
        : ['/bin/sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...argv]];
    this.child = spawn(file, args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.user,
    });
    if (this.child.pid === undefined) throw new Error('could not spawn the sluice CLI');
    this.pid = this.child.pid;
    running.add(this.child);
    this.child.once('exit', () => running.delete(this.child));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
        // wake every wait, whose checks also look at alive()
        this.events.emit('log');
        this.events.emit('stdout');
        this.events.emit('exit');
      }),
    );
    this.child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.events.emit('stdout');
    });
    let partial = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      const text = partial + d.toString('utf8');
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-8000);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onStderrLine(line);
      this.events.emit('log');
    });
  }

  private onStderrLine(line: string): void {
    if (!line.startsWith('{')) return;
    let parsed: ProcessLogLine;
    try {
      parsed = JSON.parse(line) as ProcessLogLine;
    } catch {
      return;
    }
    this.logCount++;
    this.logs.push(parsed);
    if (this.logs.length > this.maxLogLines) this.logs.splice(0, this.logs.length - this.maxLogLines);
  }

  /** Resolves once the CLI printed its listening line; rejects with its output when it exits first. */
  async ready(ms = 20_000): Promise<this> {
    const re = /listening on ws:\/\/([^/\s]+)\/ \(admin http:\/\/([^/\s]+)\/\)/;
    await waitEvent(
      this.events,
      'stdout',
      () => re.test(this.stdout) || !this.alive(),
      ms,
      `sluice to print its listening line (stderr: ${this.stderrTail})`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout: ${this.stdout}\nstderr: ${this.stderrTail}`);
    });
    const m = re.exec(this.stdout);
    if (m === null) throw new Error(`sluice exited before listening:\n${this.stdout}\n${this.stderrTail}`);
    const [, fe, adm] = m;
    this.url = `ws://${fe}`;
    this.admin = new AdminClient(`http://${adm}`);
    return this;
  }

  /** The process exists (signal 0 succeeds) and has not exited. */
  alive(): boolean {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Its output so far (for assertion messages). */
  output(): string {
    return `stdout:\n${this.stdout}\nstderr (tail):\n${this.stderrTail}`;
  }

  rss(): number {
    return rssOf(this.pid);
  }

  fds(): number {
    return fdsOf(this.pid);
  }

  async metrics(): Promise<string> {
    return (await this.admin.get('/metrics')).text;
  }

  /** Sum of the samples of `name` in GET /metrics whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return promSample(await this.metrics(), name, labels);
  }

  async pipeline(): Promise<PipelineState> {
    const r = await this.admin.get<PipelineState>('/pipeline');
    if (r.status !== 200) throw new Error(`GET /pipeline answered ${r.status}: ${r.text}`);
    return r.json;
  }

  /** Waits (bounded, polling) until GET /pipeline satisfies `check`. */
  waitPipeline(check: (p: PipelineState) => boolean, what: string, ms = 5000): Promise<PipelineState> {
    return waitUntil(
      async () => {
        const p = await this.pipeline();
        return check(p) ? p : false;
      },
      what,
      ms,
      20,
    );
  }

  /** Resolves with the first log line (among those kept) satisfying `check`. */
  async waitLog(check: (l: ProcessLogLine) => boolean, what: string, ms = 5000): Promise<ProcessLogLine> {
    await waitEvent(this.events, 'log', () => this.logs.some(check), ms, what);
    return this.logs.find(check)!;
  }

  /** A tracked client (closed in stop()), not yet open. */
  client(path = '/', protocols?: string | string[], options?: ClientOptions): TestClient {
    const c = new TestClient(this.url + path, protocols, options);
    this.clients.push(c);
    return c;
  }

  /** Opens a tracked client on `path`. */
  connect(path = '/', protocols?: string | string[], options?: ClientOptions): Promise<TestClient> {
    return this.client(path, protocols, options).open();
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Rewrites sluice.yaml from `config` (file shape; the same defaults as at the start). */
  writeConfig(config: Raw): void {
    this.config = config;
    writeFileSync(join(this.dir, 'sluice.yaml'), stringify(withDefaults(config)));
  }

  /** Writes a file of the temp dir in place. */
  write(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text);
  }

  /** Writes a temp file and renames it over `name` (an editor's safe write). */
  writeAtomic(name: string, text: string): void {
    const tmp = join(this.dir, `.${name}.${process.hrtime.bigint()}.part`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, name));
  }

  /** Closes every tracked client (bounded: each is terminated after 5 s). */
  async closeClients(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }

  /** SIGTERM (drain), SIGKILL after `ms`; closes tracked clients first. Resolves with the exit. */
  async stop(ms = 5000): Promise<{ code: number | null; signal: string | null }> {
    for (const c of this.clients) c.ws.terminate();
    this.clients.length = 0;
    if (this.alive()) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.alive() && this.child.kill('SIGKILL'), ms);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

/** Default listeners and logging for a test config, merged under `config`. */
function withDefaults(config: Raw): Raw {
  const server = (config.server ?? {}) as Raw;
  return {
    ...config,
    server: {
      'logging-level': 'info',
      // a test's stop() need not wait for the drain of sessions it already dropped
      'drain-window': '0s',
      'shutdown-timeout': '2s',
      ...server,
      frontend: { address: '127.0.0.1:0', ...((server.frontend as Raw) ?? {}) },
      admin: { address: '127.0.0.1:0', ...((server.admin as Raw) ?? {}) },
    },
  };
}

/**
 * Writes `options.config` (as sluice.yaml) and `options.files` into a fresh temp dir, starts the
 * CLI there and waits until it listens. With `t`, it is stopped and the dir removed in t.after.
 */
export async function startSluiceProcess(
  options: SluiceProcessOptions,
  t?: { after(fn: () => Promise<void>): void },
): Promise<SluiceProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-proc-'));
  if (options.user) chmodSync(dir, 0o755); // files are written 0644 (umask 022)
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'sluice.yaml'), stringify(withDefaults(options.config)));
  const proc = new SluiceProcess(dir, options);
  const cleanup = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  t?.after(cleanup);
  try {
    return await proc.ready();
  } catch (err) {
    if (!t) await cleanup();
    throw err;
  }
}
