// The usual world of a backend fault test: N echo backends as processes and a Sluice CLI process
// in front of them, with short timeouts so faults resolve quickly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import {
  type ProcessBackend,
  type ProcessBackendOptions,
  startProcessBackends,
} from '../../helpers/process-backend.ts';
import { type SluiceProcess, startSluiceProcess } from '../../helpers/process-sluice.ts';
import { assertRecovered, type Baseline, baseline } from './invariants.ts';

type Raw = Record<string, unknown>;

export interface World {
  sp: SluiceProcess;
  backends: ProcessBackend[];
  base: Baseline;
}

export interface WorldOptions {
  backends?: number;
  backend?: Omit<ProcessBackendOptions, 'id'>;
  /** Keys merged into every backend entry of the config. */
  backendKeys?: Raw;
  server?: Raw;
  upstream?: Raw;
  pipeline?: Raw[];
  files?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}

/** The config for `backends` (ids a, b, c, … as the backends' echo prefixes). */
export function worldConfig(backends: ProcessBackend[], options: WorldOptions = {}): Raw {
  return {
    server: { ...options.server },
    upstream: {
      backends: backends.map((b) => ({
        id: b.options.id,
        url: b.url,
        'handshake-timeout': '1s',
        ...options.backendKeys,
      })),
      'failover-timeout': '5s',
      ...options.upstream,
    },
    ...(options.pipeline ? { pipeline: options.pipeline } : {}),
  };
}

/** Where cleanups go: a test's `t`, or a Scope run by a suite's `after`. */
export interface Cleanups {
  after(fn: () => Promise<void>): void;
}

/** Cleanups for a suite that shares one world: call run() in the suite's after(). */
export class Scope implements Cleanups {
  private readonly fns: (() => Promise<void>)[] = [];
  after(fn: () => Promise<void>): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) await fn();
  }
}

/** Starts the backends and the proxy; everything is stopped in t.after. */
export async function startWorld(t: Cleanups, options: WorldOptions = {}): Promise<World> {
  const backends = await startProcessBackends(t, options.backends ?? 3, options.backend);
  const sp = await startSluiceProcess(
    { config: worldConfig(backends, options), files: options.files, env: options.env, args: options.args },
    t,
  );
  return { sp, backends, base: baseline(sp) };
}

/** conn → the seqs `backend` received for it, in arrival order. */
export function receivedByConn(backend: ProcessBackend): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const text of backend.received) {
    const m = /^c(\d+):(\d+)$/.exec(text);
    if (!m) continue;
    const conn = Number(m[1]);
    const list = out.get(conn) ?? [];
    if (list.length === 0) out.set(conn, list);
    list.push(Number(m[2]));
  }
  return out;
}

/** The source of a fixture valve of test/faults/fixtures/valves/. */
export function valveFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/valves/${name}`, import.meta.url), 'utf8');
}

/** One echo backend and a proxy whose pipeline uses faults.js (written as ./faults.js). */
export function startValveWorld(t: Cleanups, pipeline: Raw[], options: WorldOptions = {}): Promise<World> {
  return startWorld(t, {
    backends: 1,
    ...options,
    pipeline,
    files: { 'faults.js': valveFixture('faults.js'), ...options.files },
  });
}

/** The valve host's PID from GET /pipeline. */
export async function hostPid(sp: SluiceProcess): Promise<number> {
  const pid = (await sp.pipeline()).hostPid;
  if (pid === undefined) throw new Error('GET /pipeline shows no valve host pid');
  return pid;
}

/** A valve world shared by the tests of one describe block, with its valve host's PID. */
export type SharedValveWorld = World & { hostPid: number };

/**
 * Call inside a describe(): starts a valve world before its tests (fields filled in then); after
 * them, the valve host must still be the first one (no valve fault may cost a restart) and the
 * proxy must recover its baseline.
 */
export function sharedValveWorld(pipeline: Raw[], options: WorldOptions = {}): SharedValveWorld {
  const scope = new Scope();
  const w = {} as SharedValveWorld;
  before(async () => {
    Object.assign(w, await startValveWorld(scope, pipeline, options));
    w.hostPid = await hostPid(w.sp);
  });
  after(async () => {
    try {
      assert.equal(await hostPid(w.sp), w.hostPid, 'the valve host never restarted');
      await assertRecovered(w.sp, w.base);
    } finally {
      await scope.run();
    }
  });
  return w;
}
