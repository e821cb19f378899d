// What the proxy keeps about a built pipeline version: the sources it was built from (to rebuild
// it after a host restart), the validated options, and each valve's counters and last error.
import type { PipelineEntryConfig } from '../config/model.ts';
import type { PipelineVersion } from '../pipeline/version.ts';
import type { HostValveMeta } from './host-version.ts';
import type { ValveStatus } from './types.ts';

export interface ValveRuntime {
  name: string;
  file: string;
  sha256: string;
  isolate: 'shared' | 'own';
  /** on-error as a code: 0 drop, 1 pass, 2 close. */
  policy: number;
  /** Hook names the valve exports. */
  hooks: string[];
  calls: number;
  drops: number;
  errors: number;
  lastError: ValveStatus['lastError'];
  trippedUntil: number;
}

export class VersionRecord {
  readonly id: number;
  readonly version: PipelineVersion;
  readonly entries: readonly PipelineEntryConfig[];
  readonly metas: HostValveMeta[];
  readonly sources: [string, string][];
  readonly options: string[];
  readonly valves: ValveRuntime[];
  readonly maxTimeoutMs: number;
  /** Sessions on this version (opened or adopted, not yet closed or moved). */
  live = 0;
  retired = false;
  disposed = false;

  constructor(
    version: PipelineVersion,
    metas: HostValveMeta[],
    sources: [string, string][],
    options: string[],
    sha256: string[],
    hooks: string[][],
  ) {
    this.id = version.id;
    this.version = version;
    this.entries = version.entries;
    this.metas = metas;
    this.sources = sources;
    this.options = options;
    this.maxTimeoutMs = metas.reduce((m, v) => Math.max(m, v.timeout), 0);
    this.valves = metas.map((m, i) => ({
      name: m.name,
      file: m.file,
      sha256: sha256[i],
      isolate: m.isolate,
      policy: m.onError,
      hooks: hooks[i],
      calls: 0,
      drops: 0,
      errors: 0,
      lastError: undefined,
      trippedUntil: 0,
    }));
  }

  /** The valves as `GET /pipeline` shows them. */
  status(): ValveStatus[] {
    const now = Date.now();
    const loadedAt = this.version.loadedAt.toISOString();
    return this.valves.map((v) => ({
      name: v.name,
      source: v.file,
      sha256: v.sha256,
      loadedAt,
      status: v.trippedUntil > now ? 'tripped' : 'running',
      isolate: v.isolate,
      lastError: v.lastError,
      calls: v.calls,
      drops: v.drops,
      errors: v.errors,
    }));
  }
}
