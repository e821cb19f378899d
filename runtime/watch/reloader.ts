// Hot reload (CONTRACT.md §2, DESIGN.md §2 "file saved → …"): on a save of the config or a valve
// file, or on POST /pipeline/reload, build the new config and pipeline beside the running ones;
// apply them only when everything checks, else keep the last good ones and say why (log,
// `GET /pipeline`, sluice_reloads_total{kind,result="rejected"}). Reloads run one at a time.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfigFile, restartKeys } from '../config/index.ts';
import type { ConfigProblem, ResolvedConfig } from '../config/model.ts';
import type { ActionOutcome } from '../control/bus.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { type ApplyResult, PipelineManager } from '../pipeline/manager.ts';
import type { ValveProvider } from '../pipeline/provider.ts';
import type { TrustedValves } from '../pipeline/trusted/trusted-valves.ts';
import type { Clock } from '../sandbox/clock.ts';
import type { PipelineRuntime, Sluice } from '../sluice.ts';
import { FileWatcher } from './file-watcher.ts';

export interface ReloaderOptions {
  config: ResolvedConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: Metrics;
  /** Watch the config and valve files (sluice run's default; `--no-watch` turns it off). */
  watch: boolean;
  clock?: Clock;
  /** The embedding API's ValveProvider. */
  provider?: ValveProvider;
  /** The embedding API's trusted valves. */
  trusted?: TrustedValves;
}

interface ReloadError {
  kind: 'config' | 'valve';
  file: string;
  line: number;
  column: number;
  message: string;
  at: string;
}

export class Reloader implements PipelineRuntime {
  readonly manager: PipelineManager;
  private running: ResolvedConfig;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private sluice: Sluice | undefined;
  private watcher: FileWatcher | undefined;
  private configHash: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastError: ReloadError | undefined;
  private lastReload: { at: string; kind: string; result: string } | undefined;
  private loadedAt = new Date().toISOString();
  private stopped = false;

  constructor(options: ReloaderOptions) {
    this.running = options.config;
    this.env = options.env;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.manager = new PipelineManager(options.logger, options.metrics, {
      clock: options.clock,
      provider: options.provider,
      trusted: options.trusted,
      baseDir: options.config.baseDir,
    });
    this.configHash = hashFile(options.config.file);
    if (options.watch) {
      this.watcher = new FileWatcher({ onChange: (changed) => this.onFilesChanged(changed) });
    }
  }

  /** Builds the first pipeline; errors here refuse startup. */
  async init(): Promise<ApplyResult> {
    const result = await this.manager.apply(this.running.pipeline);
    if (result.ok) await this.watcher?.track(this.trackedFiles());
    return result;
  }

  attach(sluice: Sluice): void {
    this.sluice = sluice;
    this.manager.attach(sluice.frontend);
  }

  status(): unknown {
    const pipeline = this.manager.status();
    const valves = pipeline.valves.map((v) =>
      'trusted' in v || existsSync(v.source) ? v : { ...v, status: 'source missing' },
    );
    return {
      ...pipeline,
      valves,
      config: { file: this.running.file, loadedAt: this.loadedAt },
      lastReload: this.lastReload,
      lastError: this.lastError,
    };
  }

  private onFilesChanged(changed: string[]): void {
    const tls = this.tlsFiles();
    if (changed.some((f) => tls.includes(f))) this.reloadTls();
    const rest = changed.filter((f) => !tls.includes(f));
    if (rest.length > 0) void this.reload('watch', rest);
  }

  /** New frontend certificate or key on disk: serve it to new connections. */
  private reloadTls(): void {
    try {
      this.sluice?.frontend.reloadTls();
      this.metrics.reloads.inc({ kind: 'tls', result: 'applied' });
      this.logger.info('frontend certificate reloaded');
    } catch (err) {
      this.metrics.reloads.inc({ kind: 'tls', result: 'rejected' });
      this.logger.error({ err }, 'frontend certificate reload failed: the previous one keeps serving');
    }
  }

  private tlsFiles(): string[] {
    const tls = this.running.server.frontend.tls;
    return tls ? [tls.certFile, tls.keyFile] : [];
  }

  /** Re-reads the config (when it changed) and the valves; applies them only if all check. */
  reload(trigger: 'admin' | 'watch' = 'admin', changed: string[] = []): Promise<ActionOutcome> {
    const next = this.queue.then(() => this.runReload(trigger, changed));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runReload(trigger: string, changed: string[]): Promise<ActionOutcome> {
    if (this.stopped) return { kind: 'noop' };
    const file = this.running.file;
    const hash = hashFile(file);
    const configChanged = file !== undefined && hash !== this.configHash;
    const kind = configChanged || (file !== undefined && changed.includes(file)) ? 'config' : 'valve';
    let next = this.running;
    if (configChanged && file) {
      const loaded = await loadConfigFile(file, this.env);
      if (!loaded.config) return this.reject('config', firstError(loaded.problems, file));
      next = loaded.config;
      const keys = restartKeys(this.running, next);
      if (keys.length > 0) {
        return this.reject('config', {
          file,
          line: 1,
          column: 1,
          message: `these keys changed and need a restart, nothing was applied: ${keys.join(', ')}`,
        });
      }
    }
    const applied = await this.manager.apply(next.pipeline);
    if (!applied.ok) {
      const e = applied.errors[0];
      return this.reject(kind, { file: e.file, line: e.line, column: e.column, message: e.message });
    }
    for (const w of applied.warnings)
      this.logger.warn({ valve: w.valve, file: w.file, line: w.line }, w.message);
    if (configChanged && this.sluice) this.applyConfig(next);
    this.running = next;
    this.configHash = hash;
    this.lastError = undefined;
    this.loadedAt = new Date().toISOString();
    this.lastReload = { at: this.loadedAt, kind, result: 'applied' };
    this.metrics.reloads.inc({ kind, result: 'applied' });
    this.logger.info({ trigger, kind, changed }, 'reloaded');
    await this.watcher?.track(this.trackedFiles());
    return { kind: 'success' };
  }

  /** Backends, selection and session settings from a reloaded config file. */
  private applyConfig(next: ResolvedConfig): void {
    const sluice = this.sluice!;
    const { added, updated, removed } = sluice.pool.reconcile(
      next.upstream.backends,
      next.upstream.selection,
    );
    for (const b of removed) {
      for (const s of sluice.frontend.sessions.values()) if (s.backend === b) s.requestFailover();
    }
    sluice.frontend.reconfigure(next);
    this.logger.info({ added, updated, removed: removed.map((b) => b.id) }, 'config applied');
  }

  private reject(kind: 'config' | 'valve', e: Omit<ReloadError, 'kind' | 'at'>): ActionOutcome {
    const at = new Date().toISOString();
    this.lastError = { kind, ...e, at };
    this.lastReload = { at, kind, result: 'rejected' };
    this.metrics.reloads.inc({ kind, result: 'rejected' });
    this.logger.error(
      { kind, file: e.file, line: e.line, column: e.column },
      `reload rejected, the last good version keeps serving: ${e.file}:${e.line}:${e.column} ${e.message}`,
    );
    return { kind: 'invalid', reason: `${e.file}:${e.line}:${e.column}: ${e.message}` };
  }

  private trackedFiles(): string[] {
    return [...(this.running.file ? [this.running.file] : []), ...this.manager.files, ...this.tlsFiles()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.close();
    await this.manager.stop();
  }
}

function hashFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'missing';
  }
}

function firstError(problems: ConfigProblem[], file: string): Omit<ReloadError, 'kind' | 'at'> {
  const p = problems.find((x) => x.severity === 'error');
  if (!p) return { file, line: 1, column: 1, message: 'invalid config' };
  return { file: p.file, line: p.line, column: p.column, message: `${p.path}: ${p.message}` };
}
