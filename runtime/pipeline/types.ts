// The boundary between a session (runtime/frontend/session.ts) and the valve pipeline that runs
// in the valve host (runtime/sandbox/). A session pushes messages; results come back later, in
// push order per session and direction, through the session's onPipelineResult. No closure or
// promise is created per message.

/** A message as it travels the proxy: the raw payload and its frame type. */
export interface WireMessage {
  data: Buffer;
  binary: boolean;
}

export type Direction = 'fromClient' | 'fromBackend';

/** What the pipeline decided for one pushed message. */
export interface ValveOutcome {
  /**
   * true: the message leaves unchanged (the session still holds it; no bytes cross back).
   * false: `forward` holds what continues in the message's direction ([] = dropped).
   */
  unchanged: boolean;
  forward: WireMessage[];
  /** Injected with ctx.sendToClient / ctx.sendToBackend: they skip the other valves. */
  toClient: WireMessage[] | undefined;
  toBackend: WireMessage[] | undefined;
  /** ctx.close(code, reason), or on-error `close` (1011). Applied after the forwards. */
  close: { code: number; reason: string } | undefined;
  /** ctx.delay(ms): hold this message (and later ones of this direction) this long. */
  delayMs: number;
}

/** What a valve sees as ctx.session. */
export interface SessionInfo {
  id: string;
  path: string;
  query: string;
  subprotocol: string;
  clientAddress: string;
  headers: Record<string, string>;
  backend: { id: string; url: string };
}

/** Implemented by the frontend session; called by the pipeline. */
export interface PipelineSession {
  readonly id: string;
  onPipelineResult(direction: Direction, original: WireMessage, outcome: ValveOutcome): void;
  /** Result of failover(): messages for the new backend before any replayed or new one. */
  onFailoverResult(outcome: ValveOutcome): void;
  /** Side effects of open/close hooks (injections, close). */
  onHookResult(outcome: ValveOutcome): void;
}

/** The valves selected for one session, run in the valve host. */
export interface SessionPipeline {
  /** No valves: the session forwards directly and never waits on the valve host. */
  readonly empty: boolean;
  /**
   * Does any valve of this session's chain export fromClient / fromBackend? A direction no valve
   * handles skips the valve host (typical pipelines only look at what clients send).
   */
  readonly handlesFromClient: boolean;
  readonly handlesFromBackend: boolean;
  open(session: PipelineSession, info: SessionInfo): void;
  push(session: PipelineSession, direction: Direction, msg: WireMessage): void;
  failover(session: PipelineSession, backend: { id: string; url: string }): void;
  close(session: PipelineSession): void;
}

/**
 * Chooses the pipeline for a new session (config `when:` clauses, embedding ValveProvider). It may
 * answer with a promise (a ValveProvider's valves are compiled on first use); the client is
 * upgraded only once it settles.
 */
export interface PipelineSelector {
  select(info: SessionInfo): SessionPipeline | Promise<SessionPipeline>;
}
