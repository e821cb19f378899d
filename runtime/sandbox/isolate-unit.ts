// One isolate in the valve host: a locked-down context, the driver (isolate-driver.js) and the
// valves compiled into it. Every call in carries an isolated-vm timeout; the driver slices long
// batches so one call never runs much past a hook's own timeout.
import { readFileSync } from 'node:fs';
import ivm from 'isolated-vm';
import { OP_ATTACH, OP_FROM_CLIENT, SLICE_MS } from './batch-format.ts';
import { compileValveModules, LoadFailure, positionOf } from './module-graph.ts';

const DRIVER_SOURCE = readFileSync(new URL('./isolate-driver.js', import.meta.url), 'utf8');

// Everything else (console, SharedArrayBuffer, Atomics, WebAssembly, whatever a future V8 adds)
// is deleted from the valve context before any valve code runs.
const GLOBALS_ALLOWED = [
  'Object',
  'Function',
  'Array',
  'Number',
  'parseFloat',
  'parseInt',
  'Infinity',
  'NaN',
  'undefined',
  'Boolean',
  'String',
  'Symbol',
  'Date',
  'Promise',
  'RegExp',
  'Error',
  'AggregateError',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'SuppressedError',
  'globalThis',
  'JSON',
  'Math',
  'Intl',
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'BigUint64Array',
  'BigInt64Array',
  'Uint8ClampedArray',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'DataView',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'BigInt',
  'Iterator',
  'Proxy',
  'Reflect',
  'DisposableStack',
  'AsyncDisposableStack',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'unescape',
  'eval',
  'isFinite',
  'isNaN',
];
const LOCKDOWN = `(() => {
  const keep = new Set(${JSON.stringify(GLOBALS_ALLOWED)});
  for (const k of Object.getOwnPropertyNames(globalThis)) if (!keep.has(k)) delete globalThis[k];
  for (const k of Object.getOwnPropertySymbols(globalThis)) delete globalThis[k];
})()`;

/** What the driver reports about a valve's exports. */
export interface ValveExports {
  hooks: string[];
  bad: string[];
  unknown: string[];
  options: string | undefined;
  optionsError: string | undefined;
}

/** Per-valve settings the driver needs. */
export interface DriverValveMeta {
  name: string;
  file: string;
  key: string;
  timeout: number;
  onError: number;
  errRow?: number;
  tripUntil?: number;
}

/** The driver's batch input (copied into the isolate in one crossing). */
export interface StepInput {
  op: Uint8Array;
  h: Int32Array;
  bin: Uint8Array;
  d: (string | Uint8Array | null)[];
  lo?: Uint16Array;
  hi?: Uint16Array;
  now: number;
}

/** [done, res (pairs: item, flat [bin, data, …]), events, logs, stats | null, next item]. */
export type StepOutput = [
  boolean,
  (number | (number | string | Uint8Array)[])[],
  unknown[][],
  [number, number, string][],
  Int32Array | null,
  number,
];

export type StepFailure = 'timeout' | 'memory' | 'other';

const WARM_INFO = {
  id: 'warm-up',
  path: '/',
  query: '',
  subprotocol: '',
  clientAddress: '127.0.0.1',
  headers: { host: 'localhost' },
  backend: { id: 'warm-up', url: 'ws://127.0.0.1:1' },
};

const DRIVER_FNS = ['step', 'fault', 'addValve', 'configure', 'detach', 'forget'] as const;
type DriverFns = Record<(typeof DRIVER_FNS)[number], ivm.Reference<(...a: unknown[]) => unknown>>;

export class IsolateUnit {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  /** track[0] = running valve + 1, track[1] = current item; readable after the isolate died. */
  readonly track: Int32Array;
  readonly valves: number[] = [];
  readonly memoryMb: number;
  maxTimeout = 0;
  private readonly modules = new Map<string, ivm.Module>();
  private readonly fns: DriverFns;

  private constructor(
    memoryMb: number,
    isolate: ivm.Isolate,
    context: ivm.Context,
    track: Int32Array,
    fns: DriverFns,
  ) {
    this.memoryMb = memoryMb;
    this.isolate = isolate;
    this.context = context;
    this.track = track;
    this.fns = fns;
  }

  /**
   * A new isolate with the lockdown and the driver in it. Building runs on the isolate's own
   * thread (isolated-vm's async calls), so the host keeps running batches of other versions
   * meanwhile; only `new Isolate` itself (~1 ms) is on the host's thread.
   */
  static async create(memoryMb: number): Promise<IsolateUnit> {
    const isolate = new ivm.Isolate({ memoryLimit: Math.max(8, memoryMb) });
    try {
      const context = await isolate.createContext();
      await context.eval(LOCKDOWN, { timeout: 1000 });
      const sab = new SharedArrayBuffer(8);
      const create = (await context.eval(DRIVER_SOURCE, {
        filename: 'sluice:valve-driver',
        reference: true,
        timeout: 1000,
      })) as ivm.Reference<(...a: unknown[]) => unknown>;
      const driver = (await create.apply(undefined, [new ivm.ExternalCopy(sab).copyInto(), SLICE_MS], {
        result: { reference: true },
        timeout: 1000,
      })) as unknown as ivm.Reference<Record<string, unknown>>;
      const refs = await Promise.all(DRIVER_FNS.map((name) => driver.get(name, { reference: true })));
      const fns = Object.fromEntries(DRIVER_FNS.map((name, k) => [name, refs[k]])) as DriverFns;
      return new IsolateUnit(memoryMb, isolate, context, new Int32Array(sab), fns);
    } catch (e) {
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }

  /** Compiles and evaluates one valve (top level bounded by its timeout) and registers its hooks. */
  async loadValve(idx: number, meta: DriverValveMeta, sources: Map<string, string>): Promise<ValveExports> {
    const mod = await compileValveModules(this.isolate, this.context, meta.file, sources, this.modules);
    try {
      await mod.evaluate({ timeout: Math.max(meta.timeout, 1) });
    } catch (e) {
      if (this.isolate.isDisposed) {
        throw new LoadFailure(
          meta.file,
          1,
          1,
          `the top level ran out of memory (memory-mb ${this.memoryMb})`,
        );
      }
      if (/timed out/.test(String((e as Error).message))) {
        throw new LoadFailure(
          meta.file,
          1,
          1,
          `the top level ran past the valve's ${meta.timeout}ms timeout`,
        );
      }
      const p = positionOf(e, meta.file);
      const err = e as Error;
      throw new LoadFailure(
        p.file,
        p.line,
        p.column,
        `the top level threw ${err.name ?? 'Error'}: ${err.message}`,
      );
    }
    const json = (await this.fns.addValve.apply(
      undefined,
      [idx, mod.namespace.derefInto(), new ivm.ExternalCopy(meta).copyInto()],
      { timeout: 1000 },
    )) as string;
    this.valves.push(idx);
    this.maxTimeout = Math.max(this.maxTimeout, meta.timeout);
    return JSON.parse(json) as ValveExports;
  }

  /**
   * Runs the driver's session paths once on the isolate's thread, for a dummy session (handle 0,
   * never given out) that every valve already has a state for — so no valve code runs: attach,
   * a message for an unknown session, detach. The first real move onto this version then finds
   * that driver code compiled instead of compiling it on the host's thread.
   */
  async warmUp(keys: Map<number, string>): Promise<void> {
    const states: Record<string, string> = {};
    for (const key of keys.values()) states[key] = '{}';
    const payload = JSON.stringify({ info: WARM_INFO, chain: [...keys.keys()], states, openNew: true });
    const input: StepInput = {
      op: Uint8Array.of(OP_FROM_CLIENT, OP_ATTACH),
      h: Int32Array.of(-1, 0),
      bin: Uint8Array.of(0, 0),
      d: ['{}', payload],
      now: Number.NaN,
    };
    const copy = { arguments: { copy: true }, result: { copy: true }, timeout: 1000 } as const;
    try {
      await this.fns.step.apply(undefined, [input], copy);
      await this.fns.detach.apply(undefined, [Int32Array.of(0)], copy);
    } catch {
      // only a head start: whatever a valve's top level did to make this fail, real calls report
    }
  }

  /** Installs a valve's validated options (JSON). */
  configure(idx: number, optionsJson: string): void {
    this.fns.configure.applySync(undefined, [idx, optionsJson], { timeout: 1000 });
  }

  private get callTimeout(): number {
    return SLICE_MS + this.maxTimeout + 5;
  }

  /** Starts (input) or continues (undefined) a batch. Throws on timeout or memory. */
  step(input: StepInput | undefined): StepOutput {
    return this.fns.step.applySync(undefined, [input], {
      arguments: { copy: true },
      result: { copy: true },
      timeout: this.callTimeout,
    }) as unknown as StepOutput;
  }

  /** Classifies an exception from step(). */
  failureOf(e: unknown): StepFailure {
    if (this.isolate.isDisposed) return 'memory';
    if (/timed out/.test(String((e as Error)?.message))) return 'timeout';
    return 'other';
  }

  /** After a timeout: charges the running valve. Returns the lost step result when the hook had already returned. */
  fault(kind: number, message: string): [StepOutput, number] | null {
    return this.fns.fault.applySync(undefined, [kind, message], {
      result: { copy: true },
      timeout: 1000,
    }) as unknown as [StepOutput, number] | null;
  }

  /** Removes sessions and returns each one's states (JSON by valve key), in one crossing. */
  detach(handles: Int32Array): string[] {
    return this.fns.detach.applySync(undefined, [handles], {
      arguments: { copy: true },
      result: { copy: true },
      timeout: 1000,
    }) as unknown as string[];
  }

  forget(handles: number[]): void {
    this.fns.forget.applySync(undefined, [handles], { arguments: { copy: true }, timeout: 1000 });
  }

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
