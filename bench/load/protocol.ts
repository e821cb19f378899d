// The jobs the runner sends a load-generator process (bench/load/client.ts) over its IPC channel,
// and the results it answers with. Control only: no per-message traffic crosses this channel.

/** Closed loop: each connection keeps `window` messages in flight; counts echoes per second. */
export interface ClosedJob {
  kind: 'closed';
  url: string;
  conns: number;
  window: number;
  size: number;
  warmupMs: number;
  durationMs: number;
}

/** Open loop: `rate` messages per second spread round-robin over the connections. */
export interface OpenJob {
  kind: 'open';
  url: string;
  conns: number;
  rate: number;
  size: number;
  warmupMs: number;
  durationMs: number;
}

/** Opens `conns` sessions and holds them idle until the runner sends `release`. */
export interface IdleJob {
  kind: 'idle';
  url: string;
  conns: number;
}

/** Open loop on every session, SIGKILLs `killPid` after `killAfterMs`, goes on `afterMs`. */
export interface FailoverJob {
  kind: 'failover';
  url: string;
  conns: number;
  ratePerConn: number;
  size: number;
  killPid: number;
  /** The killed backend's own URL: a sentinel connection there shows when its sockets are gone. */
  killUrl: string;
  /** After the sentinel closes, how long a message may still have been written to the dead socket. */
  graceMs: number;
  killAfterMs: number;
  afterMs: number;
}

export type LoadJob = ClosedJob | OpenJob | IdleJob | FailoverJob;

export interface ClosedResult {
  kind: 'closed';
  messages: number;
  seconds: number;
  errors: number;
}

export interface OpenResult {
  kind: 'open';
  sent: number;
  received: number;
  /** Latency (ms, send → echo) of each message sent in the measured window, in receive order. */
  latencies: number[];
  /** Receive time of each of those, ms since the measured window began. */
  at: number[];
  errors: number;
}

export interface IdleResult {
  kind: 'idle';
  opened: number;
  failed: number;
  ms: number;
}

export interface FailoverResult {
  kind: 'failover';
  sessions: number;
  /** ms from the kill until the killed backend's sockets were closed (seen by the sentinel). */
  deadAfterMs: number;
  /** Per session: ms from the kill to the first echo of a message sent after the grace (-1: none). */
  recoveryMs: number[];
  /** Sent before the kill (may have been written to the dead backend). */
  sentBefore: number;
  lostBefore: number;
  /** Sent between the kill and the sockets' close + grace (may still have been written to it). */
  sentWindow: number;
  lostWindow: number;
  /** Sent later: never written to the dead backend; must all come back. */
  sentAfter: number;
  lostAfter: number;
  duplicates: number;
  closed: number;
  errors: number;
}

export type LoadResult = ClosedResult | OpenResult | IdleResult | FailoverResult;

/** Messages from a load process to the runner. */
export type LoadReply =
  | { type: 'opened'; result: IdleResult }
  | { type: 'mark'; phase: MarkPhase }
  | { type: 'done'; result: LoadResult }
  | { type: 'error'; message: string };

/** Sent when the measured window starts and ends, so the runner can time CPU over it. */
export type MarkPhase = 'start' | 'end';

/** Messages from the runner to a load process. */
export type LoadCommand = { type: 'run'; job: LoadJob } | { type: 'release' };
