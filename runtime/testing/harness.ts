// PipelineHarness: drives one pipeline in a real valve host, step by step, the way a session of
// `sluice run` would, and reports what reached each side in each step. Usable from node:test:
//   const h = await PipelineHarness.start({ pipeline: [{ valve: './upper.js' }], baseDir });
//   assert.deepEqual((await h.fromClient('hi')).toBackend, ['HI']);
//   await h.stop();
import type { PipelineEntryConfig } from '../config/model.ts';
import { NOTHING } from '../pipeline/outcome.ts';
import type {
  Direction,
  PipelineSession,
  SessionInfo,
  SessionPipeline,
  ValveOutcome,
  WireMessage,
} from '../pipeline/types.ts';
import { ValvePipeline } from '../pipeline/valve-pipeline.ts';
import type { PipelineVersion } from '../pipeline/version.ts';
import { parseDuration } from '../config/duration.ts';
import { VirtualDelays } from './virtual-delays.ts';
import { type Delivered, delivered, type MessageInput, toWire } from './messages.ts';
import { loadPipelineFromConfig, loadPipelineObject } from './load-pipeline.ts';
import {
  emptyStep,
  type HarnessOptions,
  PipelineLoadError,
  type SessionOptions,
  sessionInfo,
  type StepResult,
} from './harness-types.ts';
import { TestHost, type TestClock } from './test-host.ts';

export {
  formatLoadProblem,
  type HarnessOptions,
  type LoadProblem,
  PipelineLoadError,
  type SessionOptions,
  type StepResult,
} from './harness-types.ts';
export type { Delivered, MessageInput };

const DEFAULT_BACKEND = { id: 'backend', url: 'ws://127.0.0.1:9000' };
const EMPTY_MESSAGE: WireMessage = { data: Buffer.alloc(0), binary: false };

/** Drives one pipeline version, one session at a time; time is virtual (advance() moves it). */
export class PipelineHarness implements PipelineSession {
  readonly host: TestHost;
  readonly version: PipelineVersion;
  private readonly ownsHost: boolean;
  private readonly defaultBackend: { id: string; url: string };
  private sessions = 0;
  private info: SessionInfo | undefined;
  private pipeline: SessionPipeline | undefined;
  private closed: false | { code: number; reason: string } = false;
  private step: StepResult = emptyStep();
  private readonly delays: VirtualDelays;
  /** An empty-chain session: a message pushed on it comes back after everything queued before it. */
  private readonly probe: ValvePipeline;
  private readonly probeSession: PipelineSession;
  private waiter: (() => void) | undefined;
  private probeWaiter: (() => void) | undefined;

  private constructor(
    host: TestHost,
    owns: boolean,
    version: PipelineVersion,
    backend: SessionInfo['backend'],
  ) {
    this.host = host;
    this.ownsHost = owns;
    this.version = version;
    this.defaultBackend = backend;
    this.delays = new VirtualDelays((direction, original, outcome) =>
      this.apply(direction, original, outcome),
    );
    this.probe = new ValvePipeline(host.host, version, []);
    this.probeSession = {
      id: 'probe',
      onPipelineResult: () => {
        const w = this.probeWaiter;
        this.probeWaiter = undefined;
        w?.();
      },
      onFailoverResult: () => {},
      onHookResult: () => {},
    };
    this.probe.open(this.probeSession, sessionInfo({ id: 'sluice-test-probe' }, backend));
  }

  /** Loads the pipeline (a config file or inline entries) and compiles it in a valve host. */
  static async start(options: HarnessOptions): Promise<PipelineHarness> {
    const env = options.env ?? process.env;
    const loaded = options.config
      ? await loadPipelineFromConfig(options.config, env)
      : loadPipelineObject(options.pipeline ?? [], options.baseDir ?? process.cwd(), env);
    if (!loaded.ok) {
      throw new PipelineLoadError(loaded.problems);
    }
    return PipelineHarness.fromEntries(loaded.entries, { host: options.host, backend: loaded.backend });
  }

  /** Compiles already resolved entries (as ResolvedConfig.pipeline holds them). */
  static async fromEntries(
    entries: PipelineEntryConfig[],
    options: { host?: TestHost; backend?: { id: string; url: string } } = {},
  ): Promise<PipelineHarness> {
    const host = options.host ?? (await TestHost.start());
    const built = await host.build(entries);
    if (!built.ok) {
      if (!options.host) await host.stop();
      throw new PipelineLoadError(built.errors);
    }
    return new PipelineHarness(host, !options.host, built.version, options.backend ?? DEFAULT_BACKEND);
  }

  /** The current session's id (PipelineSession). */
  get id(): string {
    return this.info?.id ?? '';
  }

  /** The virtual clock (ms since the session opened) behind ctx.now() and ctx.delay(). */
  get clock(): TestClock {
    return this.host.clock;
  }

  /** Opens a new session (closing the current one); the clock starts again at 0. Reports open()'s effects. */
  async open(session: SessionOptions = {}): Promise<StepResult> {
    if (this.pipeline !== undefined) await this.close();
    this.sessions++;
    this.info = sessionInfo({ id: `session-${this.sessions}`, ...session }, this.defaultBackend);
    this.closed = false;
    this.delays.clear();
    this.host.clock.restart();
    this.begin();
    this.pipeline = this.version.select(this.info);
    this.pipeline.open(this, this.info);
    await this.barrier();
    return this.end();
  }

  /** A message from the client; reports what reached each side. */
  fromClient(msg: MessageInput): Promise<StepResult> {
    return this.push('fromClient', msg);
  }

  /** A message from the backend; reports what reached each side. */
  fromBackend(msg: MessageInput): Promise<StepResult> {
    return this.push('fromBackend', msg);
  }

  /** Moves the virtual clock (ms, or a duration such as `1500ms`); held messages whose time came go on. */
  async advance(by: number | string): Promise<StepResult> {
    const ms = typeof by === 'number' ? by : parseDuration(by);
    if (this.pipeline === undefined) await this.open();
    this.begin();
    this.delays.advanceTo(this.host.clock, ms);
    if (this.closed !== false) await this.barrier();
    return this.end();
  }

  /** The session moves to `backend` (calls the valves' failover hooks); toBackend is what they returned. */
  async failover(backend: { id: string; url: string }): Promise<StepResult> {
    if (this.pipeline === undefined) await this.open();
    this.begin();
    const pipeline = this.pipeline as SessionPipeline;
    if (this.closed === false && this.info !== undefined) {
      this.info.backend = { id: backend.id, url: backend.url };
      const done = new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      pipeline.failover(this, this.info.backend);
      await done;
      if (this.closed !== false) await this.barrier();
    }
    return this.end();
  }

  /** Ends the session (the valves' close hooks run); reports their log lines. */
  async close(): Promise<StepResult> {
    this.begin();
    const pipeline = this.pipeline;
    this.pipeline = undefined;
    this.delays.clear();
    if (pipeline !== undefined && this.closed === false) {
      pipeline.close(this);
      await this.barrier();
    }
    return this.end();
  }

  /** Closes the session and releases the pipeline (and the valve host unless it was shared). */
  async stop(): Promise<void> {
    if (this.pipeline !== undefined) await this.close();
    this.probe.close(this.probeSession);
    this.host.host.retire(this.version);
    if (this.ownsHost) await this.host.stop();
  }

  // ── PipelineSession ─────────────────────────────────────────────────────────────────────

  onPipelineResult(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    if (!outcome.unchanged && outcome.forward.length === 0) this.step.dropped = true;
    if (this.delays.holding(direction) || outcome.delayMs > 0) {
      this.delays.hold(direction, original, outcome, this.host.clock.now());
    } else {
      this.apply(direction, original, outcome);
    }
    this.wake();
  }

  onFailoverResult(outcome: ValveOutcome): void {
    if (this.closed === false) {
      if (!outcome.unchanged) for (const m of outcome.forward) this.step.toBackend.push(delivered(m));
      this.effects(outcome);
    }
    this.wake();
  }

  onHookResult(outcome: ValveOutcome): void {
    if (this.closed === false) this.effects(outcome);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  private async push(direction: Direction, msg: MessageInput): Promise<StepResult> {
    const wire = toWire(msg);
    if (this.pipeline === undefined) await this.open();
    this.begin();
    if (this.closed === false) {
      const done = new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      (this.pipeline as SessionPipeline).push(this, direction, wire);
      await done;
      // a valve closed the session: let its close hooks run so their logs land in this step
      if (this.closed !== false) await this.barrier();
    }
    return this.end();
  }

  /** As the session applies an outcome: forwards in its direction, then injections, then the close. */
  private apply(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    if (this.closed !== false) return;
    const side = direction === 'fromClient' ? this.step.toBackend : this.step.toClient;
    if (outcome.unchanged) side.push(delivered(original));
    else for (const m of outcome.forward) side.push(delivered(m));
    this.effects(outcome);
  }

  private effects(outcome: ValveOutcome): void {
    if (outcome === NOTHING) return;
    if (outcome.toClient) for (const m of outcome.toClient) this.step.toClient.push(delivered(m));
    if (outcome.toBackend) for (const m of outcome.toBackend) this.step.toBackend.push(delivered(m));
    if (outcome.close && this.closed === false) {
      this.closed = { code: outcome.close.code, reason: outcome.close.reason };
      this.delays.clear();
      this.pipeline?.close(this);
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Resolves once everything queued to the valve host before it has been answered. */
  private barrier(): Promise<void> {
    return new Promise((resolve) => {
      this.probeWaiter = resolve;
      this.probe.push(this.probeSession, 'fromClient', EMPTY_MESSAGE);
    });
  }

  private begin(): void {
    this.host.takeLogs(); // lines from before this step belong to no step
    this.step = emptyStep();
  }

  private end(): StepResult {
    const step = this.step;
    step.closed = this.closed;
    step.logs = this.host.takeLogs();
    this.step = emptyStep();
    return step;
  }
}
