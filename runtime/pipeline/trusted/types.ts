// Public types of trusted valves: plain objects with the valve hooks, run in the proxy process
// (not sandboxed), given only through the embedding API (`createSluice(config, { trustedValves })`).
import type { SessionInfo } from '../types.ts';

/** A message as a trusted hook sees it. Binary data is the proxy's own Buffer (a Uint8Array). */
export type TrustedMessage = { type: 'text'; data: string } | { type: 'binary'; data: Uint8Array };

/** What a hook may return: undefined = unchanged, null or [] = drop, else the replacement(s). */
export type TrustedResult =
  | undefined
  | null
  | string
  | Uint8Array
  | TrustedMessage
  | (string | Uint8Array | TrustedMessage)[];

/** What ctx.sendToClient / ctx.sendToBackend accept. */
export type TrustedPayload = string | Uint8Array | TrustedMessage;

/** The ctx a trusted hook gets: the same as a sandboxed valve's. Valid only during the hook call. */
export interface TrustedValveCtx<State extends object = Record<string, unknown>> {
  /** Private to this valve and this session, for the session's whole life. */
  state: Partial<State>;
  /** The valve's `with` (validated against its `options` schema when it has one; frozen). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Frozen; `backend` is the new one inside failover(). */
  readonly session: Readonly<SessionInfo>;
  sendToClient(data: TrustedPayload): void;
  sendToBackend(data: TrustedPayload): void;
  /** Ends the session on both sides after this message's forwards. */
  close(code?: number, reason?: string): void;
  /** Holds this message (and later ones of this direction) ms milliseconds, at most 60000. */
  delay(ms: number): void;
  now(): number;
  /** Lines in the proxy's log with `valve` and `trusted: true`; at most 100 lines/s per valve. */
  readonly log: {
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  };
}

/**
 * A trusted valve. `name` labels it in logs, metrics and `GET /pipeline` (valves with the same
 * name share their counters). Hooks are called as methods of the object, synchronously.
 */
export interface TrustedValve<State extends object = Record<string, unknown>> {
  name: string;
  open?(ctx: TrustedValveCtx<State>): void;
  fromClient?(msg: TrustedMessage, ctx: TrustedValveCtx<State>): TrustedResult;
  fromBackend?(msg: TrustedMessage, ctx: TrustedValveCtx<State>): TrustedResult;
  /** Messages returned here go to the new backend before any other. */
  failover?(ctx: TrustedValveCtx<State>): TrustedResult;
  close?(ctx: TrustedValveCtx<State>): void;
  /** What a hook error does to the message: drop (default), pass, or close the session with 1011. */
  onError?: 'drop' | 'pass' | 'close';
  /** ctx.options. */
  with?: Record<string, unknown>;
  /** JSON Schema (draft 2020-12) `with` is validated against, defaults filled in (as a valve module exports it). */
  options?: object;
}

/**
 * `createSluice(config, { trustedValves })`: the same valves for every session, or a function
 * choosing them per session (undefined or [] = none; a throw or rejection refuses the session
 * with HTTP 500).
 */
export type TrustedValvesOption =
  | readonly TrustedValve[]
  | ((
      session: SessionInfo,
    ) => readonly TrustedValve[] | undefined | Promise<readonly TrustedValve[] | undefined>);

/** One trusted valve in `GET /pipeline`. */
export interface TrustedValveStatus {
  name: string;
  trusted: true;
  source: 'embedding API';
  /** When Sluice first got the valve. */
  loadedAt: string;
  status: 'running' | 'tripped';
  onError: 'drop' | 'pass' | 'close';
  hooks: string[];
  lastError: { file: string; line: number; column: number; message: string; at: string } | undefined;
  calls: number;
  drops: number;
  errors: number;
}
