// Test helpers: a real valve host, entries for fixture valves, and sessions that record results.
import { fileURLToPath } from 'node:url';
import type { PipelineEntryConfig } from '../../../runtime/config/model.ts';
import { silentLogger } from '../../../runtime/log.ts';
import { createMetrics, type Metrics } from '../../../runtime/metrics.ts';
import type {
  Direction,
  PipelineSession,
  SessionInfo,
  ValveOutcome,
  WireMessage,
} from '../../../runtime/pipeline/types.ts';
import type { Clock } from '../../../runtime/sandbox/clock.ts';
import { ValveHost } from '../../../runtime/sandbox/valve-host.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/valves/', import.meta.url));

/** A pipeline entry for a fixture valve, with defaults as the config would give them. */
export function entry(file: string, extra: Partial<PipelineEntryConfig> = {}): PipelineEntryConfig {
  return {
    valve: `./${file}`,
    file: `${FIXTURES}${file}`,
    builtin: false,
    with: {},
    when: undefined,
    timeoutMs: 50,
    memoryMb: 64,
    onError: 'drop',
    isolate: 'shared',
    ...extra,
  };
}

/** Starts a valve host with a fresh metrics registry. */
export async function startHost(clock?: Clock): Promise<{ host: ValveHost; metrics: Metrics }> {
  const metrics = createMetrics({ instrumentation: false, defaultMetrics: false });
  const host = await ValveHost.start({ logger: silentLogger, metrics, clock });
  return { host, metrics };
}

export function info(id: string, extra: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    path: '/ocpp/CP1',
    query: '',
    subprotocol: 'ocpp1.6',
    clientAddress: '127.0.0.1',
    headers: { 'user-agent': 'test' },
    backend: { id: 'a', url: 'ws://127.0.0.1:9090' },
    ...extra,
  };
}

export function text(s: string): WireMessage {
  return { data: Buffer.from(s), binary: false };
}

export interface Result {
  direction: Direction;
  original: string;
  outcome: ValveOutcome;
}

/** A PipelineSession that records every callback and lets a test await the n-th result. */
export class RecordingSession implements PipelineSession {
  readonly id: string;
  readonly results: Result[] = [];
  readonly hooks: ValveOutcome[] = [];
  readonly failovers: ValveOutcome[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(id: string) {
    this.id = id;
  }

  onPipelineResult(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    this.results.push({ direction, original: original.data.toString(), outcome });
    this.wake();
  }

  onFailoverResult(outcome: ValveOutcome): void {
    this.failovers.push(outcome);
    this.wake();
  }

  onHookResult(outcome: ValveOutcome): void {
    this.hooks.push(outcome);
    this.wake();
  }

  private wake(): void {
    const count = this.results.length + this.failovers.length;
    this.waiters = this.waiters.filter((w) => {
      if (count < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `n` message/failover results arrived (fails the test after 10 s). */
  waitFor(n: number): Promise<void> {
    if (this.results.length + this.failovers.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${this.id}: ${this.results.length} of ${n} results`)),
        10_000,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }
}

/** Text of each forwarded message (binary as `bin:1,2,3`). */
export function forwarded(o: ValveOutcome): string[] {
  return o.forward.map((m) => (m.binary ? `bin:${[...m.data].join(',')}` : m.data.toString()));
}

/** The metric's value for the given labels (0 when never counted). */
export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}
