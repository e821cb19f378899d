// Drives built-in valves through the real valve host: entries by bare name (resolved the way the
// config resolves `valve: size-limit`), sessions that send messages and await what came out.
import { pino } from 'pino';
import type { PipelineEntryConfig } from '../../runtime/config/model.ts';
import { resolveValveFile } from '../../runtime/config/pipeline.ts';
import { createMetrics } from '../../runtime/metrics.ts';
import type { PipelineVersion } from '../../runtime/pipeline/version.ts';
import type { Direction, SessionInfo, SessionPipeline, ValveOutcome } from '../../runtime/pipeline/types.ts';
import type { Clock } from '../../runtime/sandbox/clock.ts';
import { ValveHost } from '../../runtime/sandbox/valve-host.ts';
import { RecordingSession, info } from '../unit/sandbox/helpers.ts';

/** A pipeline entry for the built-in valve `name` with `with:` values, as the config would give it. */
export function builtin(
  name: string,
  withValue: Record<string, unknown> = {},
  extra: Partial<PipelineEntryConfig> = {},
): PipelineEntryConfig {
  const found = resolveValveFile(name, process.cwd());
  if ('error' in found) throw new Error(found.error);
  return {
    valve: name,
    file: found.file,
    builtin: found.builtin,
    with: withValue,
    when: undefined,
    timeoutMs: 200,
    memoryMb: 64,
    onError: 'drop',
    isolate: 'shared',
    ...extra,
  };
}

/** What one message (or hook) produced, as text: binary as `bin:1,2,3`. */
export interface Seen {
  forward: string[];
  toClient: string[];
  toBackend: string[];
  close: { code: number; reason: string } | undefined;
  delayMs: number;
}

function texts(list: { data: Buffer; binary: boolean }[] | undefined): string[] {
  return (list ?? []).map((m) => (m.binary ? `bin:${[...m.data].join(',')}` : m.data.toString()));
}

/** An outcome as text; `original` is what went in (it goes on when the outcome is "unchanged"). */
export function seen(o: ValveOutcome, original?: string): Seen {
  return {
    forward: o.unchanged ? (original === undefined ? [] : [original]) : texts(o.forward),
    toClient: texts(o.toClient),
    toBackend: texts(o.toBackend),
    close: o.close,
    delayMs: o.delayMs,
  };
}

/** One open session on a built pipeline. */
export class RigSession {
  readonly recorder: RecordingSession;
  readonly pipe: SessionPipeline;
  readonly info: SessionInfo;
  private count = 0;

  constructor(pipe: SessionPipeline, sessionInfo: SessionInfo) {
    this.pipe = pipe;
    this.info = sessionInfo;
    this.recorder = new RecordingSession(sessionInfo.id);
    pipe.open(this.recorder, sessionInfo);
  }

  /** Sends messages (strings are text, Uint8Arrays binary) and resolves with what each produced. */
  async send(direction: Direction, ...messages: (string | Uint8Array)[]): Promise<Seen[]> {
    const base = this.recorder.results.length;
    for (const m of messages) {
      const binary = typeof m !== 'string';
      this.pipe.push(this.recorder, direction, { data: Buffer.from(m), binary });
      this.count++;
    }
    await this.recorder.waitFor(this.count);
    return messages.map((m, i) =>
      seen(this.recorder.results[base + i].outcome, typeof m === 'string' ? m : `bin:${[...m].join(',')}`),
    );
  }

  /** Sends one message and resolves with what it produced. */
  async one(direction: Direction, message: string | Uint8Array): Promise<Seen> {
    return (await this.send(direction, message))[0];
  }

  /** What goes on for each message (its `forward`), flattened. */
  async passed(direction: Direction, ...messages: (string | Uint8Array)[]): Promise<string[]> {
    return (await this.send(direction, ...messages)).flatMap((s) => s.forward);
  }

  /** Runs failover() (the session moved to `backend`) and resolves with what it returned. */
  async failover(backend = { id: 'b', url: 'ws://127.0.0.1:9091' }): Promise<Seen> {
    this.pipe.failover(this.recorder, backend);
    this.count++;
    await this.recorder.waitFor(this.count);
    return seen(this.recorder.failovers[this.recorder.failovers.length - 1]);
  }

  /** Side effects of open() (and close()) hooks so far. */
  hooks(): Seen[] {
    return this.recorder.hooks.map((o) => seen(o));
  }
}

/** A valve host for a test file; `logs` collects every log line (ctx.log lines included). */
export class Rig {
  readonly host: ValveHost;
  readonly logs: { level: number; valve?: string; msg: string }[];
  private n = 0;

  private constructor(host: ValveHost, logs: Rig['logs']) {
    this.host = host;
    this.logs = logs;
  }

  /** Starts a valve host (with `clock` for ctx.now()/ctx.delay() when given). */
  static async start(clock?: Clock): Promise<Rig> {
    const logs: Rig['logs'] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const metrics = createMetrics({ instrumentation: false, defaultMetrics: false });
    const host = await ValveHost.start({ logger, metrics, clock });
    return new Rig(host, logs);
  }

  /** Builds `entries`; throws with the load errors when the version is rejected. */
  async build(...entries: PipelineEntryConfig[]): Promise<PipelineVersion> {
    const r = await this.host.build(entries);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    return r.version;
  }

  /** The load errors of `entries` (empty when they build). */
  async buildErrors(...entries: PipelineEntryConfig[]): Promise<string[]> {
    const r = await this.host.build(entries);
    return r.ok ? [] : r.errors.map((e) => e.message);
  }

  /** Builds `entries` and opens one session on them. */
  async session(entries: PipelineEntryConfig[], extra: Partial<SessionInfo> = {}): Promise<RigSession> {
    const version = await this.build(...entries);
    return this.open(version, extra);
  }

  /** Opens a new session on an already built version. */
  open(version: PipelineVersion, extra: Partial<SessionInfo> = {}): RigSession {
    const i = info(`s${++this.n}`, extra);
    return new RigSession(version.selector().select(i) as SessionPipeline, i);
  }

  /** ctx.log lines of the valve `name` so far. */
  valveLogs(name: string): string[] {
    return this.logs.filter((l) => l.valve === name).map((l) => l.msg);
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}
