// The embedding API's ValveProvider (wsbalancer's AddValves): given each new session, it returns
// the valve entries for it, in the config's `pipeline:` shape. They run sandboxed like any valve,
// after the config's own pipeline (closer to the backend). Each distinct list is compiled once, on
// first use, and shared by the sessions that get it; a hot reload starts a fresh cache.
import { loadConfigObject } from '../config/index.ts';
import type { PipelineEntryConfig } from '../config/model.ts';
import type { PipelineSelector, SessionInfo, SessionPipeline } from './types.ts';
import type { PipelineVersion } from './version.ts';

/** A pipeline entry as written in a config file (`valve`, `with`, `when`, `timeout`, …). */
export type ValveEntryInput = Record<string, unknown> & { valve: string };

export type ValveProvider = (
  session: SessionInfo,
) => ValveEntryInput[] | undefined | Promise<ValveEntryInput[] | undefined>;

/** What the selector needs from the pipeline manager. */
export interface ProviderHost {
  /** The config's running pipeline (entries and version; no version when it has no valves). */
  current(): { entries: PipelineEntryConfig[]; version: PipelineVersion | undefined };
  /** Compiles a version that is not the running one. */
  buildSide(entries: PipelineEntryConfig[]): Promise<PipelineVersion>;
  empty(): SessionPipeline;
}

export class ProviderSelector implements PipelineSelector {
  private readonly host: ProviderHost;
  private readonly provider: ValveProvider;
  private readonly baseDir: string;
  private cache = new Map<string, Promise<PipelineVersion>>();

  constructor(host: ProviderHost, provider: ValveProvider, baseDir: string) {
    this.host = host;
    this.provider = provider;
    this.baseDir = baseDir;
  }

  /** Forget compiled lists (after a reload, so new sessions get the new sources). */
  clear(): void {
    this.cache = new Map();
  }

  async select(info: SessionInfo): Promise<SessionPipeline> {
    const extra = await this.provider(info);
    const { entries, version } = this.host.current();
    if (!extra || extra.length === 0) return version ? version.select(info) : this.host.empty();
    const resolved = [...entries, ...resolveEntries(extra, this.baseDir)];
    const key = JSON.stringify(resolved);
    let built = this.cache.get(key);
    if (!built) {
      built = this.host.buildSide(resolved);
      this.cache.set(key, built);
      built.catch(() => this.cache.delete(key));
    }
    return (await built).select(info);
  }
}

/** Validates provider entries exactly like a config file's `pipeline:` (defaults filled in). */
function resolveEntries(raw: ValveEntryInput[], baseDir: string): PipelineEntryConfig[] {
  // The config loader validates whole configs; a placeholder backend completes one.
  const loaded = loadConfigObject(
    { upstream: { backends: [{ url: 'ws://placeholder.invalid' }] }, pipeline: raw },
    baseDir,
    {},
  );
  if (!loaded.config) {
    const errors = loaded.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.path}: ${p.message}`);
    throw new Error(`the valve provider returned invalid entries: ${errors.join('; ')}`);
  }
  return loaded.config.pipeline;
}
