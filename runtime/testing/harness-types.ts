// The harness's public shapes: what a step reports, the session a test describes, load errors.
import type { SessionInfo } from '../pipeline/types.ts';
import type { Delivered } from './messages.ts';
import type { TestHost, ValveLogLine } from './test-host.ts';

/** What happened during one step. */
export interface StepResult {
  /** Every message that reached the backend in this step, in order (forwards and injections). */
  toBackend: Delivered[];
  /** Every message that reached the client in this step, in order. */
  toClient: Delivered[];
  /** fromClient/fromBackend: the pipeline dropped the message (nothing of it went on). */
  dropped: boolean;
  /** The session has been closed by a valve (ctx.close, or on-error close): its code and reason. */
  closed: false | { code: number; reason: string };
  /** Valve log lines (ctx.log, valve errors) written in this step. */
  logs: ValveLogLine[];
}

/** ctx.session of the harness's session; every field is optional. */
export interface SessionOptions {
  id?: string;
  path?: string;
  query?: string;
  subprotocol?: string;
  clientAddress?: string;
  headers?: Record<string, string>;
  backend?: { id: string; url: string };
}

export interface HarnessOptions {
  /** A config file whose `pipeline:` is tested; its first backend is the sessions' default backend. */
  config?: string;
  /** Pipeline entries as written in a config file (`valve`, `with`, `when`, …). */
  pipeline?: Record<string, unknown>[];
  /** Directory inline valve paths are relative to (default: the current directory). */
  baseDir?: string;
  /** Environment for `${VAR}` in the config (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** A valve host shared between harnesses (its owner stops it); default: one of the harness's own. */
  host?: TestHost;
}

/** Where a pipeline failed to load (a config key or a valve file) and why. */
export interface LoadProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Thrown by PipelineHarness.start when the pipeline does not load; `problems` lists every error. */
export class PipelineLoadError extends Error {
  readonly problems: LoadProblem[];
  constructor(problems: LoadProblem[]) {
    super(`the pipeline did not load:\n${problems.map(formatLoadProblem).join('\n')}`);
    this.name = 'PipelineLoadError';
    this.problems = problems;
  }
}

/** `file:line:col  message`. */
export function formatLoadProblem(p: LoadProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.column}  ${p.message}` : `${p.file}  ${p.message}`;
}

/** A step with nothing reported yet. */
export function emptyStep(): StepResult {
  return { toBackend: [], toClient: [], dropped: false, closed: false, logs: [] };
}

/** The full ctx.session for `s`, defaults filled in (header names lower-cased). */
export function sessionInfo(
  s: SessionOptions & { id: string },
  backend: SessionInfo['backend'],
): SessionInfo {
  return {
    id: s.id,
    path: s.path ?? '/',
    query: s.query ?? '',
    subprotocol: s.subprotocol ?? '',
    clientAddress: s.clientAddress ?? '127.0.0.1',
    headers: Object.fromEntries(
      Object.entries(s.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    ),
    backend: { ...(s.backend ?? backend) },
  };
}
