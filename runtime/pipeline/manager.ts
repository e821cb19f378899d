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
import type { PipelineStatus, ValveLoadError, ValveLoadWarning } from '../sandbox/types.ts';
import { EMPTY_SELECTOR } from './empty.ts';
import type { PipelineVersion } from './version.ts';

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
  /** Valves' source files of the running version (for the file watcher). */
  files: string[] = [];

  constructor(logger: Logger, metrics: Metrics, clock?: Clock) {
    this.logger = logger;
    this.metrics = metrics;
    this.clock = clock;
  }

  attach(frontend: Frontend): void {
    this.frontend = frontend;
    frontend.pipelines = this.version ? this.version.selector() : EMPTY_SELECTOR;
  }

  /** Builds `entries` and, when they compile, makes them the running pipeline. */
  async apply(entries: PipelineEntryConfig[]): Promise<ApplyResult> {
    if (entries.length === 0 && !this.host) {
      this.files = [];
      return { ok: true, warnings: [] };
    }
    this.host ??= await ValveHost.start({ logger: this.logger, metrics: this.metrics, clock: this.clock });
    const built = await this.host.build(entries);
    if (!built.ok) return built;
    const old = this.version;
    this.version = built.version;
    this.files = entries.map((e) => e.file);
    const frontend = this.frontend;
    if (frontend) {
      frontend.pipelines = built.version.selector();
      for (const s of frontend.sessions.values()) {
        if (s.state === 'closed') continue;
        s.pipeline = built.version.adopt(s, s.pipeline, s.info);
      }
    }
    if (old) this.host.retire(old);
    return { ok: true, warnings: built.warnings };
  }

  status(): PipelineStatus | { version: undefined; valves: [] } {
    return this.host?.status() ?? { version: undefined, valves: [] };
  }

  /** The valve host (for tests and `sluice test`); undefined until a pipeline has valves. */
  get valveHost(): ValveHost | undefined {
    return this.host;
  }

  async stop(): Promise<void> {
    await this.host?.stop();
    this.host = undefined;
  }
}
