// A WebSocket backend running as its own process (test/faults/fixtures/echo-backend.ts), so fault
// tests can SIGKILL, SIGSTOP/SIGCONT and restart it on the same port. What it did is read from its
// stdout: handshakes, the text messages it received (with `record`), the close codes it got.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitEvent } from './wait.ts';

export const ECHO_BACKEND = fileURLToPath(new URL('../faults/fixtures/echo-backend.ts', import.meta.url));

// A safety net: if this process exits before a test's cleanup ran, no backend is left behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface ProcessBackendOptions {
  /** Prefix of every echoed text (`a|…`). */
  id: string;
  /** 0 picks a free port; a restart reuses the last one. */
  port?: number;
  /** Report every text message received (`received`). */
  record?: boolean;
  /** Answer every upgrade with this HTTP status. */
  rejectWith?: number;
  /** Accept TCP, never answer the handshake. */
  hangHandshake?: boolean;
  /** Close every session with 1011 this many ms after accepting it. */
  flapMs?: number;
  /** Subprotocols it accepts, in preference order. */
  protocols?: string[];
}

export interface BackendHandshake {
  path: string;
  reconnect: string | null;
  protocol: string;
}

export class ProcessBackend {
  readonly options: ProcessBackendOptions;
  child: ChildProcess | undefined;
  port = 0;
  /** Text messages received, in order, over every run of this backend. */
  readonly received: string[] = [];
  readonly handshakes: BackendHandshake[] = [];
  /** Paths of every upgrade request that reached it, answered or not (`?` when never parsed). */
  readonly requests: string[] = [];
  readonly closes: number[] = [];
  /** Bytes each `!flood` command managed to send before it finished or its session ended. */
  readonly floods: number[] = [];
  /** Emits 'line' for every stdout line and 'exit' when the process ends. */
  readonly events = new EventEmitter();
  private stderr = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(options: ProcessBackendOptions) {
    this.options = options;
    this.port = options.port ?? 0;
    this.events.setMaxListeners(0);
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`backend ${this.options.id} is not running`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again, on the same port after the first start); resolves once it listens. */
  async start(ms = 10_000): Promise<this> {
    const o = this.options;
    const args = [ECHO_BACKEND, '--id', o.id, '--port', String(this.port)];
    if (o.record) args.push('--record');
    if (o.rejectWith) args.push('--reject', String(o.rejectWith));
    if (o.hangHandshake) args.push('--hang-handshake');
    if (o.flapMs !== undefined) args.push('--flap', String(o.flapMs));
    if (o.protocols) args.push('--protocols', o.protocols.join(','));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      this.events.emit('exit');
      this.events.emit('line', ''); // wakes waits whose check also looks at `running`
    });
    let partial = '';
    let port = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('R ')) this.received.push(line.slice(2));
        else if (line.startsWith('H ')) this.handshakes.push(JSON.parse(line.slice(2)) as BackendHandshake);
        else if (line.startsWith('C ')) this.closes.push(Number(line.slice(2)));
        else if (line.startsWith('Q ')) this.requests.push(line.slice(2));
        else if (line.startsWith('F ')) this.floods.push(Number(line.slice(2)));
        else if (line.startsWith('listening ')) port = Number(line.slice(10));
        this.events.emit('line', line);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const what = `backend ${o.id} to listen (stderr: ${this.stderr})`;
    await waitEvent(this.events, 'line', () => port > 0 || !this.running, ms, what);
    if (port === 0) throw new Error(`backend ${o.id} exited before listening: ${this.stderr}`);
    this.port = port;
    return this;
  }

  /** Sends `signal` (SIGKILL, SIGSTOP, SIGCONT, …) to the process. */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  /** Resolves once `check` holds on the stdout lines seen so far, or rejects after `ms`. */
  waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
    return waitEvent(this.events, 'line', check, ms, `${what} at backend ${this.options.id}`);
  }

  /** Stops the process (SIGCONT first, in case it was stopped). */
  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      this.signal('SIGCONT');
    } catch {}
    await this.kill();
  }
}

/** Starts a process backend. */
export function startProcessBackend(options: ProcessBackendOptions): Promise<ProcessBackend> {
  return new ProcessBackend(options).start();
}

/** Starts `n` echo backends with ids a, b, c, …; all are stopped in `t.after`. */
export async function startProcessBackends(
  t: { after(fn: () => Promise<void>): void },
  n: number,
  options: Omit<ProcessBackendOptions, 'id'> = {},
): Promise<ProcessBackend[]> {
  const backends = Array.from(
    { length: n },
    (_, i) => new ProcessBackend({ ...options, id: String.fromCharCode(97 + i) }),
  );
  t.after(async () => {
    await Promise.all(backends.map((b) => b.stop()));
  });
  await Promise.all(backends.map((b) => b.start()));
  return backends;
}
