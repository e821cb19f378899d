// What every session of one frontend shares: the pool, config, metrics and logger.
import type { BackendPool } from '../backend/pool.ts';
import type { ServerConfig, UpstreamConfig } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Session } from './session.ts';

/** Per-message counters: plain numbers shared by every frontend, read when /metrics is scraped. */
export type HotCounters = Metrics['hot'];

export interface SessionContext {
  pool: BackendPool;
  metrics: Metrics;
  hot: HotCounters;
  logger: Logger;
  server: ServerConfig;
  upstream: UpstreamConfig;
  frontendId: string;
  /** How long a side may take to answer our close frame before its socket is destroyed. */
  closeTimeoutMs: number;
  /** Admin failover: how long the old backend may take to flush and close. */
  adminFailoverDrainMs: number;
  onSessionEnd(session: Session): void;
}

/** The per-message counters of `metrics`. */
export function hotCounters(metrics: Metrics): HotCounters {
  return metrics.hot;
}
