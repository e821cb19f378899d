// The valve host as the proxy uses it: builds pipeline versions in the supervised child process,
// batches every session's items pushed in one tick into one frame (up to MAX_IN_FLIGHT batches
// sent and not yet answered; what arrives meanwhile forms the next), delivers verdicts in push
// order, and when the child dies or hangs applies on-error to the batch it was running, restarts
// it, rebuilds every live version from the sources it was last built from and sends the batches
// it had not started again. Sessions never notice beyond that.
import type { PipelineEntryConfig } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { PipelineEngine } from '../pipeline/engine.ts';
import type { WireMessage } from '../pipeline/types.ts';
import type { ValvePipeline } from '../pipeline/valve-pipeline.ts';
import type { PipelineVersion } from '../pipeline/version.ts';
import {
  HOOK_NAMES,
  LOG_LEFTOVER_TIMEOUT,
  KIND_NAMES,
  KIND_TRIPPED,
  OP_ATTACH,
  OP_CLOSE,
  OP_MOVE,
  OP_OPEN,
  SLICE_MS,
} from './batch-format.ts';
import { buildVersion, type ControlReply } from './build.ts';
import { type Clock, realClock } from './clock.ts';
import { FRAME_BATCH_RESULT, FRAME_CONTROL, FRAME_CONTROL_REPLY, FRAME_LOG, jsonFrame } from './frames.ts';
import { HostProcess } from './host-process.ts';
import { OutBatch } from './out-batch.ts';
import { type DispatchSink, dispatchResults, failBatch } from './result-dispatch.ts';
import type { BuildResult, PipelineStatus, ValveLoadError } from './types.ts';
import type { VersionRecord } from './version-record.ts';

export interface ValveHostOptions {
  logger: Logger;
  metrics: Metrics;
  /** ctx.now() / ctx.delay() time; default real time. */
  clock?: Clock;
  /** Added to the hang deadline (two of the longest valve timeouts plus a slice). Default 1 s: a healthy host starved of CPU (a saturated machine) must not be taken for a hung one; valve loops are stopped by the per-call timeout long before. */
  hangMarginMs?: number;
}

const CONTROL_DEADLINE_MS = 15_000;
/**
 * Batches sent to the host and not yet answered. The host runs them one after the other, in
 * order, so per-session order holds; with a second one in flight a message that arrives while a
 * batch runs goes out at once instead of waiting for that batch's verdicts to come back first.
 */
const MAX_IN_FLIGHT = 2;
const LEVELS = ['info', 'warn', 'error', 'warn', 'error'] as const;

export class ValveHost implements PipelineEngine, DispatchSink {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock: Clock;
  private readonly hangMarginMs: number;
  private proc: HostProcess | undefined;
  private ready = false;
  /** Restarting after repeated crashes: batches get on-error at once instead of waiting. */
  private down = false;
  private stopped = false;
  readonly versions = new Map<number, VersionRecord>();
  private readonly live = new Map<number, ValvePipeline>();
  private readonly pending: OutBatch[] = [];
  /** Sent, not yet answered, oldest first. */
  private readonly inflight: OutBatch[] = [];
  private flushScheduled = false;
  private nextHandle = 1;
  private nextVersion = 0;
  private nextControl = 1;
  private batchSeq = 0;
  private readonly controls = new Map<
    number,
    { resolve: (r: ControlReply) => void; reject: (e: Error) => void }
  >();
  private readonly disposeAfterFlush: number[] = [];
  private readonly crashTimes: number[] = [];
  private restarts = 0;
  private current: number | undefined;
  lastBuildErrors: ValveLoadError[] = [];
  private readonly flushBound = () => this.flush();
  private readyWaiters: (() => void)[] = [];

  private constructor(options: ValveHostOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.clock = options.clock ?? realClock;
    this.hangMarginMs = options.hangMarginMs ?? 1000;
  }

  /** Starts the valve host process and waits until it answers. */
  static async start(options: ValveHostOptions): Promise<ValveHost> {
    const host = new ValveHost(options);
    host.spawn();
    await host.control({ op: 'hello' });
    host.ready = true;
    return host;
  }

  /** Compiles and checks `entries` into a new pipeline version (a fresh isolate per version). */
  async build(entries: PipelineEntryConfig[]): Promise<BuildResult> {
    if (!this.ready && !this.stopped) await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    const id = ++this.nextVersion;
    const result = await buildVersion(this, id, entries);
    if (result.ok) {
      this.current = id;
      this.lastBuildErrors = [];
    } else {
      this.lastBuildErrors = result.errors;
    }
    return result;
  }

  /** Disposes `version` once no session uses it any more (after in-flight calls finish). */
  retire(version: PipelineVersion): void {
    const rec = this.versions.get(version.id);
    if (rec === undefined || rec.retired) return;
    rec.retired = true;
    if (rec.live === 0) this.disposeVersion(rec);
  }

  /**
   * Resolves once every item queued so far has its verdict (or was dropped by stop()). A hot
   * reload moves sessions a chunk at a time and waits for each chunk, so that no one batch
   * carries every session's move and holds up the messages queued behind it.
   */
  settled(): Promise<void> {
    const last = this.pending[this.pending.length - 1] ?? this.inflight[this.inflight.length - 1];
    if (last === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      last.waiters ??= [];
      last.waiters.push(resolve);
    });
  }

  /** For `GET /pipeline`. */
  status(): PipelineStatus {
    const rec = this.current === undefined ? undefined : this.versions.get(this.current);
    return {
      version: rec?.id,
      loadedAt: rec?.version.loadedAt.toISOString(),
      valves: rec?.status() ?? [],
      lastBuildErrors: this.lastBuildErrors,
      hostPid: this.proc?.pid,
      hostRestarts: this.restarts,
      liveVersions: [...this.versions.values()].filter((v) => !v.disposed).map((v) => v.id),
    };
  }

  /** The valve host process id (changes after a restart). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Stops the host process; queued items are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    const proc = this.proc;
    this.proc = undefined;
    for (const c of this.controls.values()) c.reject(new Error('valve host stopped'));
    this.controls.clear();
    for (const b of this.inflight) b.settle();
    for (const b of this.pending) b.settle();
    if (proc === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) resolve();
      else proc.child.once('exit', () => resolve());
    });
    proc.stop();
    await exited;
  }

  // ---- PipelineEngine ----

  allocHandle(): number {
    return this.nextHandle++;
  }

  enqueue(pipe: ValvePipeline, op: number, msg: WireMessage | undefined, json: string | undefined): void {
    let b = this.pending[this.pending.length - 1];
    if (b === undefined || b.full) {
      b = new OutBatch();
      this.pending.push(b);
    }
    b.add(pipe, op, msg, json);
    if (op >= OP_OPEN) this.track(pipe, op);
    if (!this.flushScheduled && this.inflight.length < MAX_IN_FLIGHT && (this.ready || this.down)) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  // Keeps `live` (sessions to re-register after a restart) and per-version session counts.
  private track(pipe: ValvePipeline, op: number): void {
    if (op === OP_OPEN || op === OP_ATTACH) {
      this.live.set(pipe.handle, pipe);
      this.countLive(pipe.version.id, 1);
    } else if (op === OP_CLOSE) {
      this.live.delete(pipe.handle);
      this.countLive(pipe.version.id, -1);
    } else if (op === OP_MOVE) {
      const old = this.live.get(pipe.handle);
      if (old !== undefined) this.countLive(old.version.id, -1);
      if (pipe.phase === 3)
        this.live.delete(pipe.handle); // released: no valve left for it
      else {
        this.live.set(pipe.handle, pipe);
        this.countLive(pipe.version.id, 1);
      }
    }
  }

  private countLive(version: number, delta: number): void {
    const rec = this.versions.get(version);
    if (rec === undefined) return;
    rec.live += delta;
    if (rec.live === 0 && rec.retired) this.disposeVersion(rec);
  }

  private disposeVersion(rec: VersionRecord): void {
    if (rec.disposed) return;
    rec.disposed = true;
    // after the batches already queued, which may still hold this version's last items
    this.disposeAfterFlush.push(rec.id);
    if (this.inflight.length < MAX_IN_FLIGHT && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.down) {
      const b = this.pending.shift();
      if (b === undefined) return;
      failBatch(b, this, 'the valve host is restarting after repeated crashes');
      b.settle();
      if (this.pending.length > 0) setImmediate(this.flushBound);
      return;
    }
    const proc = this.proc;
    if (!this.ready || proc === undefined) return;
    while (this.inflight.length < MAX_IN_FLIGHT) {
      const b = this.pending.shift();
      if (b === undefined) break;
      this.inflight.push(b);
      proc.send(b.encode(++this.batchSeq, this.clock.virtual ? this.clock.now() : Number.NaN), true);
    }
    // a version goes after every batch that may hold its last items
    if (this.pending.length > 0) return;
    while (this.disposeAfterFlush.length > 0) {
      const version = this.disposeAfterFlush.shift() as number;
      this.versions.delete(version);
      void this.control({ op: 'dispose', version }).catch(() => {});
    }
  }

  // ---- control messages ----

  /** Sends a control request to the host and waits for its reply. */
  control(req: Record<string, unknown>): Promise<ControlReply> {
    const proc = this.proc;
    if (proc === undefined) return Promise.reject(new Error('the valve host is not running'));
    const id = this.nextControl++;
    return new Promise((resolve, reject) => {
      this.controls.set(id, { resolve, reject });
      proc.send(jsonFrame(FRAME_CONTROL, { ...req, id }), true);
    });
  }

  // ---- the child process ----

  private deadline(): number {
    if (this.controls.size > 0) return CONTROL_DEADLINE_MS;
    let max = 0;
    for (const v of this.versions.values()) if (!v.disposed) max = Math.max(max, v.maxTimeoutMs);
    return 2 * (max + SLICE_MS) + this.hangMarginMs;
  }

  private spawn(): void {
    const proc: HostProcess = new HostProcess(
      {
        onFrame: (type, body) => this.onFrame(proc, type, body),
        onGone: (reason) => this.onGone(proc, reason),
      },
      () => this.deadline(),
    );
    this.proc = proc;
  }

  private onFrame(proc: HostProcess, type: number, body: Buffer): void {
    if (proc !== this.proc) return;
    if (type === FRAME_BATCH_RESULT) {
      proc.answered();
      const b = this.inflight.shift();
      if (b !== undefined) {
        dispatchResults(body, b, this);
        b.settle();
      }
      if (this.pending.length > 0 || this.disposeAfterFlush.length > 0) this.flush();
    } else if (type === FRAME_CONTROL_REPLY) {
      proc.answered();
      const reply = JSON.parse(body.toString('utf8')) as ControlReply & { id: number };
      const c = this.controls.get(reply.id);
      this.controls.delete(reply.id);
      c?.resolve(reply);
    } else if (type === FRAME_LOG) {
      const { level, msg, ...rest } = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const lv = level === 'error' || level === 'warn' ? level : 'info';
      this.logger[lv]({ ...rest, component: 'valve-host' }, String(msg));
    }
  }

  private onGone(proc: HostProcess, reason: string): void {
    if (proc !== this.proc || this.stopped) return;
    this.proc = undefined;
    this.ready = false;
    this.restarts++;
    this.metrics.valveHostRestarts.inc();
    this.logger.error(
      { reason, pid: proc.pid },
      'valve host lost; applying on-error to its batch and restarting',
    );
    for (const c of this.controls.values()) c.reject(new Error(`the valve host ${reason}`));
    this.controls.clear();
    // The host runs batches in order: it died in (or hung on) the oldest one; those sent after it
    // were not started and go again to the new host.
    const lost = this.inflight.shift();
    this.pending.unshift(...this.inflight.splice(0));
    if (lost !== undefined) {
      failBatch(lost, this, `the valve host ${reason}`);
      lost.settle();
    }
    const now = Date.now();
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > 10_000) this.crashTimes.shift();
    this.crashTimes.push(now);
    const n = this.crashTimes.length;
    const delay = n <= 3 ? 0 : Math.min(5000, 250 * 2 ** (n - 4));
    this.down = delay > 0;
    if (this.down && this.pending.length > 0) setImmediate(this.flushBound);
    setTimeout(() => void this.restart(), delay).unref();
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    this.spawn();
    try {
      await this.control({ op: 'hello' });
      const recs = [...this.versions.values()].filter((v) => !v.disposed).sort((a, b) => a.id - b.id);
      for (const rec of recs) {
        const reply = await this.control({
          op: 'compile',
          version: rec.id,
          valves: rec.metas,
          sources: rec.sources,
        });
        if (!reply.ok) {
          this.logger.error(
            { version: rec.id, errors: reply.errors },
            'could not rebuild a pipeline version after a restart',
          );
          continue;
        }
        await this.control({ op: 'configure', version: rec.id, options: rec.options });
      }
    } catch (e) {
      this.logger.error({ err: (e as Error).message }, 'valve host restart failed');
      return; // onGone for the new process schedules the next try
    }
    // sessions already known to the host come back with empty ctx.state, without open()
    const attach = new OutBatch();
    for (const pipe of this.live.values()) {
      if (pipe.info !== undefined) attach.add(pipe, OP_ATTACH, undefined, pipe.payload());
    }
    if (attach.n > 0) {
      const first = this.pending[0];
      if (first === undefined) this.pending.push(attach);
      else first.prepend(attach);
    }
    this.down = false;
    this.ready = true;
    this.logger.info({ pid: this.proc?.pid }, 'valve host restarted');
    this.flush();
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  // ---- DispatchSink ----

  policyOf(version: number, valve: number, op: number): number {
    const v = this.versions.get(version)?.valves[valve];
    if (v === undefined) return -1;
    return v.hooks.includes(HOOK_NAMES[op === OP_ATTACH ? OP_OPEN : op] ?? '') ? v.policy : -1;
  }

  valveError(
    version: number,
    valve: number,
    op: number,
    kind: number,
    file: string,
    line: number,
    column: number,
    message: string,
  ): void {
    const v = this.versions.get(version)?.valves[valve];
    const name = v?.name ?? `#${valve}`;
    const hook = HOOK_NAMES[op === OP_ATTACH ? OP_OPEN : op] ?? 'open';
    const kindName = KIND_NAMES[kind] ?? 'throw';
    this.metrics.valveErrors.labels(name, hook, kindName).inc();
    if (v === undefined) return;
    v.errors++;
    if (kind === KIND_TRIPPED) return; // logged once when tripped
    const at = new Date().toISOString();
    v.lastError = { file: file || v.file, line, column, message, at };
    const where = line > 0 ? `${file}:${line}:${column}` : file || v.file;
    this.logger.warn({ valve: name, direction: hook, kind: kindName, at: where }, `valve error: ${message}`);
  }

  valveStats(
    version: number,
    valve: number,
    hook: number,
    calls: number,
    drops: number,
    seconds: number,
  ): void {
    const v = this.versions.get(version)?.valves[valve];
    if (v === undefined) return;
    const dir = HOOK_NAMES[hook];
    if (calls > 0) {
      v.calls += calls;
      this.metrics.valveCalls.labels(v.name, dir).inc(calls);
      // one observation per valve and batch: the mean time of its calls in that batch
      this.metrics.valveSeconds.labels(v.name, dir).observe(seconds / calls);
    }
    if (drops > 0) {
      v.drops += drops;
      this.metrics.valveDrops.labels(v.name, dir).inc(drops);
    }
  }

  valveLog(version: number, valve: number, level: number, text: string): void {
    const v = this.versions.get(version)?.valves[valve];
    if (v !== undefined && level === 3) v.trippedUntil = Date.now() + 10_000;
    if (v !== undefined && level === LOG_LEFTOVER_TIMEOUT) {
      // The hook had returned (its message went on); the promise work it left behind looped.
      v.errors++;
      v.lastError = { file: v.file, line: 0, column: 0, message: text, at: new Date().toISOString() };
      this.metrics.valveErrors.inc({ valve: v.name, direction: 'promise', kind: 'timeout' });
    }
    this.logger[LEVELS[level] ?? 'info'](
      { valve: v?.name ?? `#${valve}` },
      level === 3 ? `valve ${text}` : text,
    );
  }

  sessionError(e: unknown): void {
    this.logger.error({ err: e }, 'a session callback threw while handling a valve result');
  }
}
