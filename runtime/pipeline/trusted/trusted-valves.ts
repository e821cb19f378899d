// The embedding API's trusted valves for one Sluice: checks them, chooses them per session, wraps
// the session's sandboxed pipeline with them, and keeps their records for `GET /pipeline` and
// the metrics. Config files cannot name them: the only way in is `createSluice`'s option.
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { PipelineSelector, SessionInfo, SessionPipeline } from '../types.ts';
import { compileTrustedValve, type TrustedEntry } from './compile.ts';
import { type RecordSink, TrustedRecord } from './record.ts';
import { TrustedPipeline } from './trusted-pipeline.ts';
import type { TrustedValve, TrustedValveStatus, TrustedValvesOption } from './types.ts';

type Chain = readonly TrustedEntry[] | undefined;

export class TrustedValves implements RecordSink {
  readonly logger: Logger;
  readonly metrics: Metrics;
  private readonly records = new Map<string, TrustedRecord>();
  /** The same chain for every session (array form). */
  private readonly fixed: Chain;
  private readonly choose: Exclude<TrustedValvesOption, readonly TrustedValve[]> | undefined;
  /** Checked lists and objects, so a function returning the same ones is checked once. */
  private readonly lists = new WeakMap<object, Chain>();
  private readonly entries = new WeakMap<object, TrustedEntry>();
  private readonly toFold: TrustedRecord[] = [];
  private foldScheduled = false;
  private readonly foldBound = () => this.fold();

  /** Throws, naming the valve, when a valve of an array is invalid. */
  constructor(option: TrustedValvesOption, deps: { logger: Logger; metrics: Metrics }) {
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    if (typeof option === 'function') this.choose = option;
    else if (Array.isArray(option)) this.fixed = this.check(option);
    else {
      throw new TypeError(
        'createSluice: `trustedValves` must be an array of valve objects, or a function of the session returning one',
      );
    }
  }

  /** Wraps `base` so that each new session's pipeline gets its trusted valves around it. */
  selector(base: PipelineSelector): PipelineSelector {
    return { select: (info) => this.select(base, info) };
  }

  /** The trusted valves as `GET /pipeline` lists them (in the order Sluice first got them). */
  status(): TrustedValveStatus[] {
    return [...this.records.values()].map((r) => r.status());
  }

  /** RecordSink: counts wait for one fold per tick. */
  dirty(record: TrustedRecord): void {
    record.dirty = true;
    this.toFold.push(record);
    if (!this.foldScheduled) {
      this.foldScheduled = true;
      setImmediate(this.foldBound);
    }
  }

  private fold(): void {
    this.foldScheduled = false;
    for (const r of this.toFold) r.fold();
    this.toFold.length = 0;
  }

  private select(base: PipelineSelector, info: SessionInfo): SessionPipeline | Promise<SessionPipeline> {
    let chain: Chain | Promise<Chain>;
    try {
      chain = this.chainFor(info);
    } catch (e) {
      return Promise.reject(e); // the frontend refuses the session with 500 and logs why
    }
    if (chain instanceof Promise) return chain.then(async (c) => wrap(await base.select(info), c));
    const inner = base.select(info);
    if (inner instanceof Promise) return inner.then((p) => wrap(p, chain));
    return wrap(inner, chain);
  }

  private chainFor(info: SessionInfo): Chain | Promise<Chain> {
    if (this.choose === undefined) return this.fixed;
    const picked = this.choose(info);
    if (picked instanceof Promise) return picked.then((list) => this.check(list));
    return this.check(picked);
  }

  private check(list: readonly TrustedValve[] | undefined | null): Chain {
    if (list === undefined || list === null) return undefined;
    if (!Array.isArray(list)) {
      throw new TypeError('trustedValves: the function must return an array of trusted valves, or undefined');
    }
    if (this.lists.has(list)) return this.lists.get(list);
    const names = new Set<string>();
    const chain = list.map((v, i) => {
      const known = typeof v === 'object' && v !== null ? this.entries.get(v) : undefined;
      const entry = known ?? compileTrustedValve(v, i, (name) => this.recordOf(name), this.logger);
      if (known === undefined) this.entries.set(entry.valve, entry);
      if (names.has(entry.record.name)) {
        throw new TypeError(
          `trustedValves[${i}]: two valves are named "${entry.record.name}"; give each its own name (it labels logs, metrics and /pipeline)`,
        );
      }
      names.add(entry.record.name);
      return entry;
    });
    const result = chain.length === 0 ? undefined : Object.freeze(chain);
    this.lists.set(list, result);
    return result;
  }

  private recordOf(name: string): TrustedRecord {
    let r = this.records.get(name);
    if (r === undefined) {
      r = new TrustedRecord(name, this);
      this.records.set(name, r);
    }
    return r;
  }
}

function wrap(inner: SessionPipeline, chain: Chain): SessionPipeline {
  return chain === undefined ? inner : new TrustedPipeline(inner, chain);
}
