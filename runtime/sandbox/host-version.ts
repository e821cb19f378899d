// A pipeline version inside the valve host: its isolates (one for all `isolate: shared` valves,
// one per `isolate: own` valve), the sources they were built from (so a sandbox that ran out of
// memory is rebuilt without touching the disk) and the sessions attached to it.
import { createHash } from 'node:crypto';
import { type DriverValveMeta, IsolateUnit, type ValveExports } from './isolate-unit.ts';
import { LoadFailure, readSource } from './module-graph.ts';

/** A valve as the host gets it from the proxy. */
export interface HostValveMeta extends DriverValveMeta {
  isolate: 'shared' | 'own';
  memoryMb: number;
}

/** A load error as it goes back to the proxy. */
export interface HostLoadError {
  valve: number;
  file: string;
  line: number;
  column: number;
  message: string;
}

/** What compile() reports per valve. */
export interface CompiledValve extends ValveExports {
  sha256: string;
}

export interface HostSession {
  chain: number[];
  infoJson: string;
}

const TRIP_AFTER = 5;
const TRIP_WINDOW_MS = 60_000;
const TRIP_MS = 10_000;

export class HostVersion {
  readonly id: number;
  readonly metas: HostValveMeta[];
  readonly sources: Map<string, string>;
  /** Valve indices of each unit; unit 0 holds the shared valves when there are any. */
  readonly unitValves: number[][] = [];
  readonly unitOf: number[] = [];
  units: IsolateUnit[] = [];
  options: string[] = [];
  readonly sessions = new Map<number, HostSession>();
  private readonly memFaults: number[][] = [];

  private constructor(id: number, metas: HostValveMeta[], sources: Map<string, string>) {
    this.id = id;
    this.metas = metas;
    this.sources = sources;
    const shared = metas.flatMap((m, i) => (m.isolate === 'shared' ? [i] : []));
    if (shared.length > 0) this.unitValves.push(shared);
    metas.forEach((m, i) => {
      if (m.isolate === 'own') this.unitValves.push([i]);
    });
    this.unitValves.forEach((vs, u) => {
      for (const v of vs) this.unitOf[v] = u;
    });
    for (let v = 0; v < metas.length; v++) this.memFaults.push([]);
  }

  /**
   * Compiles every valve into fresh isolates; on any error disposes them and reports all errors.
   * The work runs on the new isolates' threads: batches of running versions go on meanwhile.
   */
  static async compile(
    id: number,
    metas: HostValveMeta[],
    sources: Map<string, string>,
  ): Promise<{ version: HostVersion | undefined; valves: CompiledValve[]; errors: HostLoadError[] }> {
    const version = new HostVersion(id, metas, sources);
    const valves: CompiledValve[] = [];
    const errors: HostLoadError[] = [];
    for (let u = 0; u < version.unitValves.length; u++) {
      const vs = version.unitValves[u];
      const unit = await IsolateUnit.create(vs.reduce((sum, v) => sum + metas[v].memoryMb, 0));
      version.units.push(unit);
      for (const v of vs) {
        try {
          const text = readSource(metas[v].file, sources);
          const exp = unit.isolate.isDisposed ? undefined : await unit.loadValve(v, metas[v], sources);
          if (exp === undefined)
            throw new LoadFailure(metas[v].file, 1, 1, 'the sandbox ran out of memory while loading');
          valves[v] = { ...exp, sha256: createHash('sha256').update(text).digest('hex') };
        } catch (e) {
          const f =
            e instanceof LoadFailure ? e : new LoadFailure(metas[v].file, 1, 1, String((e as Error).message));
          errors.push({ valve: v, file: f.file, line: f.line, column: f.column, message: f.message });
        }
      }
    }
    if (errors.length > 0) {
      version.dispose();
      return { version: undefined, valves, errors };
    }
    for (let u = 0; u < version.units.length; u++) {
      await version.units[u].warmUp(new Map(version.unitValves[u].map((v) => [v, metas[v].key])));
    }
    return { version, valves, errors };
  }

  /** Installs validated options (JSON per valve). */
  configure(options: string[]): void {
    this.options = options;
    for (let v = 0; v < this.metas.length; v++) this.units[this.unitOf[v]].configure(v, options[v]);
  }

  /** Replaces unit `u` after its isolate was lost; valves that keep losing it get tripped. */
  async rebuildUnit(u: number, faultingValve: number): Promise<IsolateUnit> {
    this.units[u].dispose();
    const now = Date.now();
    if (faultingValve >= 0) {
      const f = this.memFaults[faultingValve].filter((t) => now - t < TRIP_WINDOW_MS);
      f.push(now);
      this.memFaults[faultingValve] = f.length >= TRIP_AFTER ? [] : f;
      if (f.length >= TRIP_AFTER) this.metas[faultingValve].tripUntil = now + TRIP_MS;
    }
    const vs = this.unitValves[u];
    const unit = await IsolateUnit.create(vs.reduce((sum, v) => sum + this.metas[v].memoryMb, 0));
    try {
      for (const v of vs) {
        await unit.loadValve(v, this.metas[v], this.sources);
        unit.configure(v, this.options[v]);
        this.metas[v].tripUntil = undefined;
      }
    } catch (e) {
      unit.dispose();
      throw e;
    }
    this.units[u] = unit;
    return unit;
  }

  /** Whether a session's chain has a valve in unit `u`. */
  touches(chain: number[], u: number): boolean {
    if (this.units.length === 1) return true;
    for (const v of chain) if (this.unitOf[v] === u) return true;
    return false;
  }

  /**
   * Takes sessions out of every isolate, one crossing per isolate for all of them; returns each
   * session's states as one JSON object by valve key ('{}' for a session this version lacks).
   */
  detach(handles: number[]): string[] {
    const parts: string[][] = handles.map(() => []);
    const chains: (number[] | undefined)[] = handles.map((h) => {
      const s = this.sessions.get(h);
      this.sessions.delete(h);
      return s?.chain;
    });
    for (let u = 0; u < this.units.length; u++) {
      if (this.units[u].isolate.isDisposed) continue;
      const which: number[] = [];
      for (let k = 0; k < handles.length; k++) {
        const chain = chains[k];
        if (chain !== undefined && this.touches(chain, u)) which.push(k);
      }
      if (which.length === 0) continue;
      const states = this.units[u].detach(Int32Array.from(which, (k) => handles[k]));
      for (let j = 0; j < which.length; j++) {
        const json = states[j];
        if (json.length > 2) parts[which[j]].push(json.slice(1, -1));
      }
    }
    return parts.map((p) => `{${p.join(',')}}`);
  }

  dispose(): void {
    for (const u of this.units) u.dispose();
  }
}
