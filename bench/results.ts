// The shape of bench/results/latest.json (one object per run).
import type { CpuUse } from './proc-stats.ts';
import type { Percentiles } from './stats.ts';

export interface ThroughputRow {
  size: number;
  conns: number;
  window: number;
  target: string;
  /** Echoed messages per second (median of the repetitions). */
  msgsPerSec: number;
  runs: number[];
  vsDirect: number;
  vsNginx: number;
  /**
   * CPU time of the proxy and valve host per echoed message (each crosses the proxy twice), µs.
   * Hardly moved by other work on the machine, unlike msgs/s: the figure to compare over time.
   */
  cpuUsPerMsg: number;
  cpu: CpuUse;
  errors: number;
}

export interface LatencyRow extends Percentiles {
  target: string;
  rate: number;
  conns: number;
  size: number;
  sent: number;
  received: number;
  /** p99 of each round alone (ms): one outlier round points at a disturbance, not a trend. */
  roundP99: number[];
  /** This target's percentile minus direct's (ms). */
  added: Percentiles;
  cpu: CpuUse;
}

export interface IdleRow {
  target: string;
  sessions: number;
  /** RSS growth (KiB) from before the sessions opened, proxy and valve host summed. */
  growthKb: number;
  proxyKb: number;
  hostKb: number;
  /** After RSS settled (idle: it stopped falling, or settleMaxMs): what an idle session holds. */
  perSessionKb: number;
  /** settleMs after the last open: includes what opening the sessions allocated, not yet released. */
  perSessionAtOpenKb: number;
  /** How long after the last open RSS was read for perSessionKb. */
  settledAfterMs: number;
  failed: number;
  openMs: number;
}

export interface FailoverRow {
  target: string;
  sessions: number;
  recovered: number;
  recoveryP50Ms: number;
  recoveryP99Ms: number;
  recoveryMaxMs: number;
  /** ms from the kill until the dead backend's sockets closed (the kernel's part of detection). */
  deadAfterMs: number;
  sentBefore: number;
  lostBefore: number;
  sentWindow: number;
  lostWindow: number;
  sentAfter: number;
  lostAfter: number;
  duplicates: number;
  closed: number;
  /** CPU over the whole load (before and after the kill); `others` shows a disturbed run. */
  cpu: CpuUse;
}

export interface ReloadRow {
  target: string;
  steadyP99: number;
  /** p99 of each 1 s window while reloading, ms. */
  windowP99: number[];
  worstP99: number;
  ratio: number;
  reloads: number;
  /** How long each POST /pipeline/reload took to answer (build + swap), ms. */
  reloadMs: number[];
  reloadsFailed: number;
  lost: number;
}

export interface Bar {
  name: string;
  value: string;
  limit: string;
  met: boolean | undefined;
}

export interface BenchResults {
  startedAt: string;
  seconds: number;
  mode: 'quick' | 'full';
  machine: Record<string, string | number>;
  /** Which Sluice ran: its checkout, commit (+ "dirty" with uncommitted changes) and valves. */
  sluice: { root: string; commit: string; valves: 'bench' | 'builtin' };
  throughput: ThroughputRow[];
  latency: LatencyRow[];
  idle: IdleRow[];
  failover: FailoverRow[];
  reload: ReloadRow[];
  bars: Bar[];
  profile?: ProfileSummary[];
  memory?: MemorySummary[];
  notes: string[];
}

export interface ProfileFrame {
  selfPct: number;
  fn: string;
  where: string;
}

export interface ProfileSummary {
  process: string;
  file: string;
  samples: number;
  /** % of non-idle samples by area (ws, runtime/frontend, GC, …). */
  areas: { area: string; pct: number }[];
  top: ProfileFrame[];
  /** Sluice's own functions (runtime/) by inclusive time: self + everything they call. */
  runtimeInclusive: ProfileFrame[];
}

export interface HeapSite {
  fn: string;
  where: string;
  bytesPerSession: number;
}

/** --profile: where an idle session's memory goes, in the Sluice process. */
export interface MemorySummary {
  target: string;
  sessions: number;
  /** Growth per session (bytes) of process.memoryUsage() fields, after a full GC. */
  perSession: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Live JS heap by allocation site and by area (sampled), bytes per session. */
  sites: HeapSite[];
  areas: { area: string; bytesPerSession: number }[];
}
