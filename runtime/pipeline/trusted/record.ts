// What the proxy keeps about one trusted valve (by name): its counters for `GET /pipeline` and the
// metrics, its last error, the errors-in-a-row that trip it, and its rate-limited ctx.log. Calls,
// drops and hook time are counted in plain numbers and folded into prom-client once per tick
// (a prom-client `inc` per message hashes its labels; the sandbox reports once per batch too).
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import { HOOK_NAMES, KIND_NAMES, KIND_TRIPPED } from '../../sandbox/batch-format.ts';
import type { TrustedValveStatus } from './types.ts';

/** Errors in a row that trip a valve, and for how long (CONTRACT.md §3). */
const TRIP_AFTER = 5;
const TRIP_MS = 10_000;
const LOG_PER_SECOND = 100;
const MAX_LOG_TEXT = 8192;

export type Policy = 'drop' | 'pass' | 'close';

/** What records report to: the log, the metrics, and the once-per-tick fold. */
export interface RecordSink {
  readonly logger: Logger;
  readonly metrics: Metrics;
  dirty(record: TrustedRecord): void;
}

type LogFn = (...args: unknown[]) => void;

export class TrustedRecord {
  readonly name: string;
  readonly loadedAt = new Date().toISOString();
  /** From the valve object last compiled under this name. */
  onError: Policy = 'drop';
  hooks: string[] = [];
  calls = 0;
  drops = 0;
  errors = 0;
  lastError: TrustedValveStatus['lastError'] = undefined;
  /** Errors in a row; the valve is tripped (on-error without calling it) until `tripUntil`. */
  errRow = 0;
  tripUntil = 0;
  /** Set while counts wait for the fold into prom-client. */
  dirty = false;
  readonly log: { info: LogFn; warn: LogFn; error: LogFn };
  private readonly sink: RecordSink;
  // per hook (HOOK_NAMES order), since the last fold
  private readonly foldCalls = [0, 0, 0, 0, 0];
  private readonly foldDrops = [0, 0, 0, 0, 0];
  private readonly foldSeconds = [0, 0, 0, 0, 0];
  private logWindow = 0;
  private logCount = 0;
  private logDropped = 0;

  constructor(name: string, sink: RecordSink) {
    this.name = name;
    this.sink = sink;
    this.log = Object.freeze({
      info: (...args: unknown[]) => this.write('info', args),
      warn: (...args: unknown[]) => this.write('warn', args),
      error: (...args: unknown[]) => this.write('error', args),
    });
  }

  /** One hook call that took `ms`. */
  called(hook: number, ms: number): void {
    this.calls++;
    this.foldCalls[hook]++;
    this.foldSeconds[hook] += ms / 1000;
    if (!this.dirty) this.sink.dirty(this);
  }

  /** A message dropped (the hook returned null or [], or on-error drop). */
  dropped(hook: number): void {
    this.drops++;
    this.foldDrops[hook]++;
    if (!this.dirty) this.sink.dirty(this);
  }

  /** A call that returned normally: the errors-in-a-row count starts again. */
  succeeded(): void {
    this.errRow = 0;
  }

  /** Is the valve tripped now? (Clears the trip once it has run out.) */
  tripped(): boolean {
    if (this.tripUntil === 0) return false;
    if (Date.now() < this.tripUntil) return true;
    this.tripUntil = 0;
    return false;
  }

  /** A valve error: counted, logged with where it happened, and counted towards tripping. */
  failed(hook: number, kind: number, message: string, thrown?: unknown): void {
    const kindName = KIND_NAMES[kind];
    const direction = HOOK_NAMES[hook];
    this.errors++;
    this.sink.metrics.valveErrors.labels(this.name, direction, kindName).inc();
    if (kind === KIND_TRIPPED) return; // logged once, when tripped
    const [file, line, column] = where(thrown);
    const text = `${direction}: ${message}`;
    this.lastError = { file, line, column, message: text, at: new Date().toISOString() };
    const at = line > 0 ? `${file}:${line}:${column}` : file;
    this.sink.logger.warn(
      { valve: this.name, trusted: true, direction, kind: kindName, at },
      `valve error: ${text}`,
    );
    if (++this.errRow >= TRIP_AFTER) {
      this.errRow = 0;
      this.tripUntil = Date.now() + TRIP_MS;
      this.sink.logger.warn(
        { valve: this.name, trusted: true },
        `valve tripped for ${TRIP_MS / 1000}s after ${TRIP_AFTER} errors in a row`,
      );
    }
  }

  /** Adds what was counted since the last fold to the prom-client metrics. */
  fold(): void {
    this.dirty = false;
    const m = this.sink.metrics;
    for (let h = 0; h < 5; h++) {
      const calls = this.foldCalls[h];
      if (calls > 0) {
        m.valveCalls.labels(this.name, HOOK_NAMES[h]).inc(calls);
        // one observation per valve and tick: the mean time of its calls (as the sandbox per batch)
        m.valveSeconds.labels(this.name, HOOK_NAMES[h]).observe(this.foldSeconds[h] / calls);
        this.foldCalls[h] = 0;
        this.foldSeconds[h] = 0;
      }
      if (this.foldDrops[h] > 0) {
        m.valveDrops.labels(this.name, HOOK_NAMES[h]).inc(this.foldDrops[h]);
        this.foldDrops[h] = 0;
      }
    }
  }

  status(): TrustedValveStatus {
    return {
      name: this.name,
      trusted: true,
      source: 'embedding API',
      loadedAt: this.loadedAt,
      status: this.tripUntil > Date.now() ? 'tripped' : 'running',
      onError: this.onError,
      hooks: this.hooks,
      lastError: this.lastError,
      calls: this.calls,
      drops: this.drops,
      errors: this.errors,
    };
  }

  // ctx.log: one line per call, like a sandboxed valve's (args joined, objects as JSON)
  private write(level: 'info' | 'warn' | 'error', args: unknown[]): void {
    const t = Date.now();
    const logger = this.sink.logger;
    if (t - this.logWindow >= 1000) {
      if (this.logDropped > 0) {
        logger.warn(
          { valve: this.name, trusted: true },
          `${this.logDropped} log lines dropped (limit ${LOG_PER_SECOND}/s)`,
        );
      }
      this.logWindow = t;
      this.logCount = 0;
      this.logDropped = 0;
    }
    if (++this.logCount > LOG_PER_SECOND) {
      this.logDropped++;
      return;
    }
    let text = '';
    for (let k = 0; k < args.length; k++) text += (k === 0 ? '' : ' ') + logText(args[k]);
    logger[level](
      { valve: this.name, trusted: true },
      text.length > MAX_LOG_TEXT ? text.slice(0, MAX_LOG_TEXT) : text,
    );
  }
}

function logText(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return String(a.stack ?? a);
  try {
    const s = JSON.stringify(a);
    if (s !== undefined) return s;
  } catch {}
  return String(a);
}

/** `Name: message` for an Error, else what was thrown. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return `thrown: ${String(e)}`;
  } catch {
    return 'thrown: a value that cannot be printed';
  }
}

/** The first stack frame with a position (the trusted valve's own code, usually). */
function where(e: unknown): [string, number, number] {
  const stack = e instanceof Error ? String(e.stack ?? '') : '';
  const m = /\(?((?:file:\/\/|node:|\/)[^\s()]+?):(\d+):(\d+)\)?/.exec(stack);
  if (!m) return ['embedding API', 0, 0];
  const file = m[1].startsWith('file://') ? decodeURI(m[1].slice(7)) : m[1];
  return [file, Number(m[2]), Number(m[3])];
}
