// What every session of one frontend shares: the pool, config, metrics and logger.
import type { BackendPool } from '../backend/pool.ts';
import type { ServerConfig, UpstreamConfig } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Session } from './session.ts';

/** Per-message counters resolved once (prom-client label lookups cost a hash per call). */
export interface HotCounters {
  clientMessages: { inc(n?: number): void };
  clientBytes: { inc(n?: number): void };
  backendMessages: { inc(n?: number): void };
  backendBytes: { inc(n?: number): void };
}

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

/** Resolves the labelled children of the message counters once. */
export function hotCounters(metrics: Metrics): HotCounters {
  return {
    clientMessages: metrics.messages.labels('client_to_backend'),
    clientBytes: metrics.bytes.labels('client_to_backend'),
    backendMessages: metrics.messages.labels('backend_to_client'),
    backendBytes: metrics.bytes.labels('backend_to_client'),
  };
}
