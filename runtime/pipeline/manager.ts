// Keeps the running pipeline version: builds a new one in the valve host, swaps it in for new
// sessions and moves every open session onto it (ctx.state carried over), then retires the old
// one once its in-flight calls are done. The valve host process is started only when a pipeline
// has valves, so a config without valves never runs one.
import type { PipelineEntryConfig } from '../config/model.ts';
import type { Frontend } from '../frontend/server.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ValveHost } from '../sandbox/valve-host.ts';
import type { Clock } from '../sandbox/clock.ts';
import type { PipelineStatus, ValveLoadError, ValveLoadWarning, ValveStatus } from '../sandbox/types.ts';
import { EMPTY_PIPELINE, EMPTY_SELECTOR } from './empty.ts';
import { type ProviderHost, ProviderSelector, type ValveProvider } from './provider.ts';
import { TrustedPipeline } from './trusted/trusted-pipeline.ts';
import type { TrustedValves } from './trusted/trusted-valves.ts';
import type { TrustedValveStatus } from './trusted/types.ts';
import type { PipelineSelector } from './types.ts';
import type { PipelineVersion } from './version.ts';

/** Sessions moved onto a new version per batch on a hot reload. */
const ADOPT_CHUNK = 32;

export type ApplyResult =
  | { ok: true; warnings: ValveLoadWarning[] }
  | { ok: false; errors: ValveLoadError[]; warnings: ValveLoadWarning[] };

export class PipelineManager {
  private host: ValveHost | undefined;
  private version: PipelineVersion | undefined;
  private frontend: Frontend | undefined;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly clock: Clock | undefined;
  private entries: PipelineEntryConfig[] = [];
  private readonly provided: ProviderSelector | undefined;
  /** The embedding API's trusted valves: the outer layer around every selected pipeline. */
  private readonly trusted: TrustedValves | undefined;
  private stopped = false;
  /** Valves' source files of the running version (for the file watcher). */
  files: string[] = [];

  constructor(
    logger: Logger,
    metrics: Metrics,
    options: { clock?: Clock; provider?: ValveProvider; baseDir?: string; trusted?: TrustedValves } = {},
  ) {
    this.logger = logger;
    this.metrics = metrics;
    this.clock = options.clock;
    this.trusted = options.trusted;
    if (options.provider) {
      const host: ProviderHost = {
        current: () => ({ entries: this.entries, version: this.version }),
        buildSide: (entries) => this.buildSide(entries),
        empty: () => EMPTY_PIPELINE,
      };
      this.provided = new ProviderSelector(host, options.provider, options.baseDir ?? process.cwd());
    }
  }

  attach(frontend: Frontend): void {
    this.frontend = frontend;
    frontend.pipelines = this.selector();
  }

  private selector(): PipelineSelector {
    const base = this.provided ?? (this.version ? this.version.selector() : EMPTY_SELECTOR);
    return this.trusted ? this.trusted.selector(base) : base;
  }

  /** Compiles a version for a ValveProvider's list; it never becomes the running one. */
  private async buildSide(entries: PipelineEntryConfig[]): Promise<PipelineVersion> {
    const host = await this.ensureHost();
    if (!host) throw new Error('the pipeline is stopped');
    const built = await host.build(entries);
    if (!built.ok) {
      const e = built.errors[0];
      throw new Error(`${e.file}:${e.line}:${e.column} ${e.message}`);
    }
    return built.version;
  }

  /** Builds `entries` and, when they compile, makes them the running pipeline. */
  async apply(entries: PipelineEntryConfig[]): Promise<ApplyResult> {
    if (entries.length === 0 && !this.host) {
      this.files = [];
      this.entries = entries;
      return { ok: true, warnings: [] };
    }
    const host = await this.ensureHost();
    if (!host) {
      const message = 'the pipeline is stopped: nothing was applied';
      const errors = entries.map((e) => ({ valve: e.valve, file: e.file, line: 1, column: 1, message }));
      return { ok: false, errors, warnings: [] };
    }
    const built = await host.build(entries);
    if (!built.ok) return built;
    const old = this.version;
    this.version = built.version;
    this.entries = entries;
    this.files = entries.map((e) => e.file);
    this.provided?.clear();
    const frontend = this.frontend;
    if (frontend) {
      frontend.pipelines = this.selector();
      // A chunk of sessions at a time, each chunk's moves answered before the next: moving every
      // session in one batch would hold up all traffic behind it (100 sessions: ~4 ms; 10k: ~0.4 s).
      const sessions = [...frontend.sessions.values()];
      for (let k = 0; k < sessions.length && !this.stopped; k += ADOPT_CHUNK) {
        if (k > 0) await host.settled();
        for (let j = k; j < Math.min(k + ADOPT_CHUNK, sessions.length); j++) {
          const s = sessions[j];
          // Sessions on a ValveProvider's version keep it; the others move to the new version.
          // With trusted valves the sandboxed pipeline is the wrapper's inner one, and moves there.
          const outer = s.pipeline instanceof TrustedPipeline ? s.pipeline : undefined;
          const current = outer ? outer.inner : s.pipeline;
          const onConfig = current.empty || (current as { version?: unknown }).version === old;
          if (s.state === 'closed' || !onConfig) continue;
          if (outer) outer.inner = built.version.adopt(outer, current, s.info);
          else s.pipeline = built.version.adopt(s, current, s.info);
        }
      }
    }
    if (old) host.retire(old);
    return { ok: true, warnings: built.warnings };
  }

  /** The valve host, started on first use; undefined once stopped (a late reload must not start one). */
  private async ensureHost(): Promise<ValveHost | undefined> {
    if (this.host || this.stopped) return this.host;
    const host = await ValveHost.start({ logger: this.logger, metrics: this.metrics, clock: this.clock });
    if (this.stopped || this.host) {
      // stopped meanwhile, or another caller started one first: nothing else would stop this one
      await host.stop();
      return this.host;
    }
    this.host = host;
    return host;
  }

  /** `GET /pipeline`: trusted valves first (the outer layer, client side), then the sandboxed ones. */
  status(): Partial<Omit<PipelineStatus, 'version' | 'valves'>> & {
    version: number | undefined;
    valves: (ValveStatus | TrustedValveStatus)[];
  } {
    const base = this.host?.status() ?? { version: undefined, valves: [] };
    return this.trusted ? { ...base, valves: [...this.trusted.status(), ...base.valves] } : base;
  }

  /** The valve host (for tests and `sluice test`); undefined until a pipeline has valves. */
  get valveHost(): ValveHost | undefined {
    return this.host;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.host?.stop();
    this.host = undefined;
  }
}
