// One session's pipeline: the valves its `when:` clauses selected, run in the valve host. Every
// call only queues an item; results come back through the session's callbacks, in push order per
// direction. No closure or promise per message.
import {
  OP_ATTACH,
  OP_CLOSE,
  OP_FAILOVER,
  OP_FROM_BACKEND,
  OP_FROM_CLIENT,
  OP_MOVE,
  OP_OPEN,
} from '../sandbox/batch-format.ts';
import type { PipelineEngine } from './engine.ts';
import { NOTHING, UNCHANGED } from './outcome.ts';
import type { Direction, PipelineSession, SessionInfo, SessionPipeline, WireMessage } from './types.ts';
import type { PipelineVersion } from './version.ts';

/** A session with no valves selected: never touches the valve host; answers synchronously. */
export const EMPTY_PIPELINE: SessionPipeline = Object.freeze({
  empty: true,
  handlesFromClient: false,
  handlesFromBackend: false,
  open() {},
  push(session: PipelineSession, direction: Direction, msg: WireMessage) {
    session.onPipelineResult(direction, msg, UNCHANGED);
  },
  failover(session: PipelineSession) {
    session.onFailoverResult(NOTHING);
  },
  close() {},
});

export class ValvePipeline implements SessionPipeline {
  readonly empty = false;
  readonly handle: number;
  readonly version: PipelineVersion;
  /** Indices into the version's valves, top (client side) to bottom. */
  readonly chain: readonly number[];
  session: PipelineSession | undefined;
  info: SessionInfo | undefined;
  /** 0 new, 1 open, 2 closed, 3 moved to another version (adopt). */
  phase = 0;
  private readonly engine: PipelineEngine;

  readonly handlesFromClient: boolean;
  readonly handlesFromBackend: boolean;

  constructor(engine: PipelineEngine, version: PipelineVersion, chain: readonly number[], handle?: number) {
    this.engine = engine;
    this.version = version;
    this.chain = chain;
    this.handlesFromClient = version.chainHandles(chain, 'fromClient');
    this.handlesFromBackend = version.chainHandles(chain, 'fromBackend');
    this.handle = handle ?? engine.allocHandle();
  }

  /** The JSON the host needs to register this session. */
  payload(): string {
    return `{"info":${JSON.stringify(this.info)},"chain":${JSON.stringify(this.chain)}}`;
  }

  open(session: PipelineSession, info: SessionInfo): void {
    if (this.phase !== 0) throw new Error('SessionPipeline.open() called twice');
    this.session = session;
    this.info = info;
    this.phase = 1;
    this.engine.enqueue(this, OP_OPEN, undefined, this.payload());
  }

  push(_session: PipelineSession, direction: Direction, msg: WireMessage): void {
    this.engine.enqueue(this, direction === 'fromClient' ? OP_FROM_CLIENT : OP_FROM_BACKEND, msg, undefined);
  }

  failover(_session: PipelineSession, backend: { id: string; url: string }): void {
    if (this.info !== undefined) this.info = { ...this.info, backend: { id: backend.id, url: backend.url } };
    this.engine.enqueue(this, OP_FAILOVER, undefined, JSON.stringify({ id: backend.id, url: backend.url }));
  }

  close(_session: PipelineSession): void {
    if (this.phase !== 1) return;
    this.phase = 2;
    this.engine.enqueue(this, OP_CLOSE, undefined, undefined);
  }

  /** Takes over a session from `from` (another version): its ctx.state moves along. */
  static adopt(
    engine: PipelineEngine,
    version: PipelineVersion,
    chain: readonly number[],
    session: PipelineSession,
    from: SessionPipeline,
    info: SessionInfo,
  ): ValvePipeline {
    const fromValves = from instanceof ValvePipeline && from.phase === 1 ? from : undefined;
    const pipe = new ValvePipeline(engine, version, chain, fromValves?.handle);
    pipe.session = session;
    pipe.info = info;
    pipe.phase = 1;
    if (fromValves !== undefined) {
      fromValves.phase = 3;
      engine.enqueue(pipe, OP_MOVE, undefined, pipe.payload());
    } else {
      // from an empty pipeline: every valve is new to the session and gets open()
      engine.enqueue(pipe, OP_ATTACH, undefined, `${pipe.payload().slice(0, -1)},"openNew":true}`);
    }
    return pipe;
  }

  /** Leaves the valve host (the new version selected no valve for this session). */
  static release(engine: PipelineEngine, from: SessionPipeline): void {
    if (!(from instanceof ValvePipeline) || from.phase !== 1) return;
    from.phase = 3;
    engine.enqueue(from, OP_MOVE, undefined, `{"release":true,"chain":[]}`);
  }
}
