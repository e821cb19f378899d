// One upstream server: its config, circuit breaker and counters (wsbalancer's `backend`).
import type { BackendConfig } from '../config/model.ts';
import { Breaker } from './breaker.ts';

export class Backend {
  config: BackendConfig;
  readonly breaker: Breaker;
  enabled = true;
  deleted = false;
  /** Sessions currently on this backend. */
  active = 0;
  /** Successful dials since it was added. */
  totalConnections = 0;
  /** Failed dials (5xx, refused, timeout) since it was added; breaker skips are not counted. */
  totalFailures = 0;
  /** Smooth weighted round-robin state. */
  currentWeight = 0;

  constructor(config: BackendConfig) {
    this.config = config;
    this.breaker = new Breaker(config.breakerThreshold);
  }

  get id(): string {
    return this.config.id;
  }
}
