// A compiled pipeline version: its entries, their `when:` matchers, and the way sessions get (or
// move to) their per-session pipeline. Built by ValveHost.build(); swapped on hot reload.
import type { PipelineEntryConfig } from '../config/model.ts';
import type { PipelineEngine } from './engine.ts';
import type { PipelineSession, SessionInfo, SessionPipeline } from './types.ts';
import { EMPTY_PIPELINE, ValvePipeline } from './valve-pipeline.ts';
import { compileWhen, type WhenMatcher } from './when.ts';

export class PipelineVersion {
  readonly id: number;
  readonly entries: readonly PipelineEntryConfig[];
  readonly loadedAt: Date;
  private readonly engine: PipelineEngine;
  private readonly matchers: WhenMatcher[];
  private readonly chains = new Map<string, readonly number[]>();
  private readonly selectorObject: { select(info: SessionInfo): SessionPipeline };

  constructor(engine: PipelineEngine, id: number, entries: readonly PipelineEntryConfig[]) {
    this.engine = engine;
    this.id = id;
    this.entries = entries;
    this.loadedAt = new Date();
    this.matchers = entries.map((e) => compileWhen(e.when));
    this.selectorObject = { select: (info) => this.select(info) };
  }

  /** Hook names each valve exports, in entry order (set by the build). */
  valveHooks: readonly (readonly string[])[] | undefined;

  /** Does any valve of `chain` export `hook`? (Unknown hooks: assume yes.) */
  chainHandles(chain: readonly number[], hook: string): boolean {
    const hooks = this.valveHooks;
    if (hooks === undefined) return true;
    return chain.some((i) => hooks[i]?.includes(hook) ?? true);
  }

  /** The selector new sessions use. */
  selector(): { select(info: SessionInfo): SessionPipeline } {
    return this.selectorObject;
  }

  /** The valves (indices) whose `when:` matches the session; shared arrays per distinct selection. */
  chainFor(info: SessionInfo): readonly number[] {
    const picked: number[] = [];
    for (let i = 0; i < this.matchers.length; i++) if (this.matchers[i](info)) picked.push(i);
    const key = picked.join(',');
    let chain = this.chains.get(key);
    if (chain === undefined) {
      chain = Object.freeze(picked);
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** A pipeline for a new session (call open() on it next). */
  select(info: SessionInfo): SessionPipeline {
    const chain = this.chainFor(info);
    return chain.length === 0 ? EMPTY_PIPELINE : new ValvePipeline(this.engine, this, chain);
  }

  /**
   * Moves an open session onto this version (hot reload). Each valve's ctx.state is carried over
   * (matched by the entry's `valve:` and its occurrence); valves new to the session get open().
   * Messages pushed on `from` before this call finish on the old version, in order; push later
   * ones on the returned pipeline. `from` must not be used afterwards.
   */
  adopt(session: PipelineSession, from: SessionPipeline, info: SessionInfo): SessionPipeline {
    const chain = this.chainFor(info);
    if (chain.length === 0) {
      ValvePipeline.release(this.engine, from);
      return EMPTY_PIPELINE;
    }
    return ValvePipeline.adopt(this.engine, this, chain, session, from, info);
  }
}
