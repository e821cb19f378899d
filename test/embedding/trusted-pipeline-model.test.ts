// The trusted wrapper's ordering, checked against a model: random pushes in both directions
// through a trusted valve that drops, splits and rewrites, around scripted inner pipelines that
// answer later, in batches, and are swapped mid-stream (hot reloads, also to and from "no valves").
// Whatever happens, each push gets exactly one result, and per direction the session sees
// exactly what trusted-then-inner (fromClient) or inner-then-trusted (fromBackend) yields, in
// push order. The real-traffic tests beside this one cover the same through sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../runtime/metrics.ts';
import { silentLogger } from '../../runtime/log.ts';
import { NOTHING, UNCHANGED } from '../../runtime/pipeline/outcome.ts';
import { compileTrustedValve } from '../../runtime/pipeline/trusted/compile.ts';
import { TrustedRecord } from '../../runtime/pipeline/trusted/record.ts';
import { TrustedPipeline } from '../../runtime/pipeline/trusted/trusted-pipeline.ts';
import type { TrustedValve } from '../../runtime/pipeline/trusted/types.ts';
import type {
  Direction,
  PipelineSession,
  SessionInfo,
  SessionPipeline,
  ValveOutcome,
  WireMessage,
} from '../../runtime/pipeline/types.ts';
import { EMPTY_PIPELINE } from '../../runtime/pipeline/valve-pipeline.ts';

const wire = (s: string): WireMessage => ({ data: Buffer.from(s), binary: false });
const text = (m: WireMessage) => m.data.toString();

// trusted: "d…" dropped, "s…" split in two, the rest wrapped
function trustedStep(dir: Direction, s: string): string[] {
  if (s.startsWith('d')) return [];
  if (s.startsWith('s')) return [`${s}.1`, `${s}.2`];
  return [`T${dir === 'fromClient' ? 'c' : 'b'}(${s})`];
}

// inner version v: "…x" dropped, "…y" split, even length unchanged, else wrapped
function innerStep(v: number, s: string): string[] {
  if (s.endsWith('x')) return [];
  if (s.endsWith('y')) return [`${s}-1`, `${s}-2`];
  if (s.length % 2 === 0) return [s];
  return [`I${v}(${s})`];
}

/** One queue for every inner version, like the valve host: results in push order. */
class FakeHost {
  queue: { inner: FakeInner; session: PipelineSession; dir: Direction; msg: WireMessage }[] = [];

  flush(n: number): void {
    for (let k = 0; k < n && this.queue.length > 0; k++) {
      const { inner, session, dir, msg } = this.queue.shift()!;
      const out = innerStep(inner.v, text(msg));
      const o: ValveOutcome =
        out.length === 1 && out[0] === text(msg)
          ? UNCHANGED
          : out.length === 0
            ? NOTHING
            : { ...NOTHING, forward: out.map(wire) };
      session.onPipelineResult(dir, msg, o);
    }
  }
}

class FakeInner implements SessionPipeline {
  readonly empty = false;
  readonly host: FakeHost;
  readonly v: number;
  readonly handlesFromClient: boolean;
  readonly handlesFromBackend: boolean;
  constructor(host: FakeHost, v: number, client: boolean, backend: boolean) {
    this.host = host;
    this.v = v;
    this.handlesFromClient = client;
    this.handlesFromBackend = backend;
  }
  open() {}
  push(session: PipelineSession, dir: Direction, msg: WireMessage): void {
    this.host.queue.push({ inner: this, session, dir, msg });
  }
  failover() {}
  close() {}
}

class FakeSession implements PipelineSession {
  readonly id = 's1';
  got: Record<Direction, string[]> = { fromClient: [], fromBackend: [] };
  results = 0;
  onPipelineResult(_dir: Direction, original: WireMessage, o: ValveOutcome): void {
    this.results++;
    const out = o.unchanged ? [original] : o.forward;
    for (const m of out) this.got[_dir].push(text(m));
  }
  onFailoverResult() {}
  onHookResult() {}
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const valve: TrustedValve = {
  name: 'model',
  fromClient: (msg) => trustedStep('fromClient', String(msg.data)),
  fromBackend: (msg) => trustedStep('fromBackend', String(msg.data)),
};

const info: SessionInfo = {
  id: 's1',
  path: '/',
  query: '',
  subprotocol: '',
  clientAddress: '127.0.0.1',
  headers: {},
  backend: { id: 'b', url: 'ws://b' },
};

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`trusted wrapper keeps order and one result per push (model, seed ${seed})`, () => {
    const random = rng(seed);
    const sink = {
      logger: silentLogger,
      metrics: createMetrics({ instrumentation: false, defaultMetrics: false }),
      dirty() {},
    };
    const entry = compileTrustedValve(valve, 0, (name) => new TrustedRecord(name, sink), silentLogger);
    const host = new FakeHost();
    let v = 1;
    const newInner = (): SessionPipeline =>
      random() < 0.2 ? EMPTY_PIPELINE : new FakeInner(host, v, random() < 0.7, random() < 0.7);
    let inner = newInner();
    const pipe = new TrustedPipeline(inner, [entry]);
    const session = new FakeSession();
    pipe.open(session, info);
    const want: Record<Direction, string[]> = { fromClient: [], fromBackend: [] };
    const handles = (p: SessionPipeline, dir: Direction) =>
      dir === 'fromClient' ? p.handlesFromClient : p.handlesFromBackend;
    const innerOf = (p: SessionPipeline, s: string, dir: Direction) =>
      p instanceof FakeInner && handles(p, dir) ? innerStep(p.v, s) : [s];
    const letters = ['a', 'bb', 'd', 'sq', 'cx', 'ey', 'fff', 'gggy', 'sx'];
    let pushes = 0;
    for (let step = 0; step < 2000; step++) {
      const r = random();
      if (r < 0.6) {
        const dir: Direction = random() < 0.5 ? 'fromClient' : 'fromBackend';
        const s = `${letters[Math.floor(random() * letters.length)]}${step}${random() < 0.3 ? 'x' : random() < 0.3 ? 'y' : ''}`;
        if (dir === 'fromClient') {
          for (const t of trustedStep(dir, s)) want[dir].push(...innerOf(inner, t, dir));
        } else {
          for (const t of innerOf(inner, s, dir)) want[dir].push(...trustedStep(dir, t));
        }
        pushes++;
        pipe.push(session, dir, wire(s));
      } else if (r < 0.95) host.flush(Math.floor(random() * 6));
      else {
        v++;
        inner = newInner();
        pipe.inner = inner; // a hot reload: earlier pushes finish on the old inner, in order
      }
    }
    host.flush(Number.POSITIVE_INFINITY);
    assert.equal(session.results, pushes, 'one result per push');
    assert.deepEqual(session.got.fromClient, want.fromClient);
    assert.deepEqual(session.got.fromBackend, want.fromBackend);
  });
}
