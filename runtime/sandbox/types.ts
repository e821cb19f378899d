// Public types of the valve host (proxy side).
import type { PipelineVersion } from '../pipeline/version.ts';

/** A valve that could not be loaded: where, and why. Line and column are 1-based. */
export interface ValveLoadError {
  /** The entry's `valve:` as written. */
  valve: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A non-fatal finding while loading (misspelt export, ignored default export). */
export type ValveLoadWarning = ValveLoadError;

export type BuildResult =
  | { ok: true; version: PipelineVersion; warnings: ValveLoadWarning[] }
  | { ok: false; errors: ValveLoadError[]; warnings: ValveLoadWarning[] };

/** One valve in `GET /pipeline`. */
export interface ValveStatus {
  name: string;
  source: string;
  sha256: string;
  loadedAt: string;
  /** running, tripped (errors in a row; on-error applies for 10 s) */
  status: 'running' | 'tripped';
  isolate: 'shared' | 'own';
  lastError: { file: string; line: number; column: number; message: string; at: string } | undefined;
  calls: number;
  drops: number;
  errors: number;
}

/** `GET /pipeline` as the valve host sees it. */
export interface PipelineStatus {
  /** The newest version built (undefined before the first build). */
  version: number | undefined;
  loadedAt: string | undefined;
  valves: ValveStatus[];
  /** The last build that failed, if it came after the current version. */
  lastBuildErrors: ValveLoadError[];
  hostPid: number | undefined;
  hostRestarts: number;
  /** Versions still serving sessions (the newest plus older ones not yet drained). */
  liveVersions: number[];
}
