// Types for valve authors. In a JavaScript valve:
//   /** @param {import('sluice/valves/valve').Message} msg  @param {import('sluice/valves/valve').Ctx} ctx */
// In a TypeScript valve (types are stripped before it runs):
//   import type { Ctx, Message, Result } from '../valves/valve.d.ts';

/** A message as a valve sees it. */
export type Message = { type: 'text'; data: string } | { type: 'binary'; data: Uint8Array };

/** What a hook may return: undefined = unchanged, null or [] = drop, else the replacement(s). */
export type Result = undefined | null | string | Uint8Array | Message | (string | Uint8Array | Message)[];

/** What an injection accepts. */
export type Payload = string | Uint8Array | Message;

export interface SessionInfo {
  readonly id: string;
  readonly path: string;
  readonly query: string;
  readonly subprotocol: string;
  readonly clientAddress: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The backend the session is on now (the new one inside failover()). */
  readonly backend: { readonly id: string; readonly url: string };
}

/** The one object a hook gets besides the message. Valid only during the hook call. */
export interface Ctx<State extends object = Record<string, unknown>, Options = Record<string, unknown>> {
  /** Private to this valve and this session; must stay JSON-like (it is carried across reloads). */
  state: Partial<State>;
  /** The entry's validated `with:` values, schema defaults applied (frozen). */
  readonly options: Readonly<Options>;
  readonly session: SessionInfo;
  /** Sends a message straight to the client (skips the other valves). */
  sendToClient(data: Payload): void;
  /** Sends a message straight to the backend (skips the other valves). */
  sendToBackend(data: Payload): void;
  /** Ends the session on both sides. code: 1000, 1001-1003, 1007-1014 or 3000-4999. */
  close(code?: number, reason?: string): void;
  /** Holds this message (and later ones of this direction) ms milliseconds, at most 60000. */
  delay(ms: number): void;
  /** Milliseconds: real time in `sluice run`, virtual in `sluice test`. */
  now(): number;
  /** Writes to the proxy's log with the valve's name; at most 100 lines/s per valve. */
  readonly log: {
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  };
}

/** The hooks a valve may export (all optional, at least one). Hooks are synchronous. */
export interface Valve<State extends object = Record<string, unknown>, Options = Record<string, unknown>> {
  /** JSON Schema (draft 2020-12) of the entry's `with:`. */
  options?: object;
  open?(ctx: Ctx<State, Options>): void;
  fromClient?(msg: Message, ctx: Ctx<State, Options>): Result;
  fromBackend?(msg: Message, ctx: Ctx<State, Options>): Result;
  /** Messages returned here go to the new backend before any other. */
  failover?(ctx: Ctx<State, Options>): Result;
  close?(ctx: Ctx<State, Options>): void;
}
