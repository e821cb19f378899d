// Every metric Sluice exports, in one place (CONTRACT.md §6, docs/metrics.md). Each Sluice
// instance has its own registry so several can run in one process (tests, embedding).
// Labels are valve, direction, backend, frontend, result, reason, kind — never a session id.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Creates the metric set on a fresh registry. */
export function createMetrics(options: { instrumentation: boolean; defaultMetrics?: boolean }) {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
  const on = [registry];
  // wsbalancer's metrics are registered only with enable-instrumentation (CONTRACT.md §2).
  const legacy = options.instrumentation ? [registry] : [];
  const hot = {
    clientMessages: new PlainCounter(),
    clientBytes: new PlainCounter(),
    backendMessages: new PlainCounter(),
    backendBytes: new PlainCounter(),
  };

  return {
    registry,
    /** Per-message counts as plain numbers, folded into `messages` and `bytes` when scraped. */
    hot,
    instrumentation: options.instrumentation,

    // wsbalancer compatibility (names, labels and buckets as wsbalancer exports them)
    wsbNewSession: new Counter({
      name: 'wsbalancer_new_session',
      help: 'Client sessions opened (wsbalancer name; Sluice counts client sessions, not backend connections)',
      labelNames: ['backend', 'frontend'],
      registers: legacy,
    }),
    wsbActiveSessions: new Gauge({
      name: 'wsbalancer_active_sessions',
      help: 'Sessions currently open, by the backend they are on now',
      labelNames: ['backend', 'frontend'],
      registers: legacy,
    }),
    wsbMessageSize: new Histogram({
      name: 'wsbalancer_message_size',
      help: 'Payload bytes of data messages (f2b: client to backend, b2f: backend to client)',
      labelNames: ['backend', 'direction', 'frontend'],
      buckets: [128, 256, 512, 1024, 2048, 5120],
      registers: legacy,
    }),

    // sessions
    sessionsActive: new Gauge({
      name: 'sluice_sessions_active',
      help: 'Open client sessions',
      registers: on,
    }),
    sessionsOpened: new Counter({
      name: 'sluice_sessions_opened_total',
      help: 'Client sessions opened',
      registers: on,
    }),
    sessionsClosed: new Counter({
      name: 'sluice_sessions_closed_total',
      help: 'Client sessions closed, by reason',
      labelNames: ['reason'],
      registers: on,
    }),
    handshakesRejected: new Counter({
      name: 'sluice_handshakes_rejected_total',
      help: 'Client upgrade requests refused before a session opened, by HTTP status',
      labelNames: ['status'],
      registers: on,
    }),

    // messages
    messages: new Counter({
      name: 'sluice_messages_total',
      help: 'Data messages received by the proxy, by direction (client_to_backend, backend_to_client)',
      labelNames: ['direction'],
      registers: on,
      collect() {
        hot.clientMessages.foldInto(this, 'client_to_backend');
        hot.backendMessages.foldInto(this, 'backend_to_client');
      },
    }),
    bytes: new Counter({
      name: 'sluice_message_bytes_total',
      help: 'Payload bytes received by the proxy, by direction',
      labelNames: ['direction'],
      registers: on,
      collect() {
        hot.clientBytes.foldInto(this, 'client_to_backend');
        hot.backendBytes.foldInto(this, 'backend_to_client');
      },
    }),
    messagesOversize: new Counter({
      name: 'sluice_messages_oversize_total',
      help: 'Messages refused for exceeding server.max-message-size (1009), by direction',
      labelNames: ['direction'],
      registers: on,
    }),
    queueOverflows: new Counter({
      name: 'sluice_queue_overflows_total',
      help: 'Sessions closed because a bounded queue overflowed (failover queue, stalled peer)',
      labelNames: ['queue'],
      registers: on,
    }),
    backpressurePauses: new Counter({
      name: 'sluice_backpressure_pauses_total',
      help: 'Times a peer was paused because the other side stopped draining, by side paused',
      labelNames: ['side'],
      registers: on,
    }),

    // backends
    dials: new Counter({
      name: 'sluice_backend_dials_total',
      help: 'Backend dials, by backend and result (success, declined, failed, timeout, tripped, subprotocol, client, aborted)',
      labelNames: ['backend', 'result'],
      registers: on,
    }),
    dialSeconds: new Histogram({
      name: 'sluice_backend_dial_seconds',
      help: 'Time to complete a backend WebSocket handshake',
      labelNames: ['backend'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: on,
    }),
    breakerState: new Gauge({
      name: 'sluice_backend_breaker_open',
      help: '1 while the backend circuit breaker is tripped, else 0',
      labelNames: ['backend'],
      registers: on,
    }),
    backendSessions: new Gauge({
      name: 'sluice_backend_sessions',
      help: 'Sessions currently connected to each backend',
      labelNames: ['backend'],
      registers: on,
    }),
    failovers: new Counter({
      name: 'sluice_failovers_total',
      help: 'Session failovers, by result (success, exhausted, flapping, declined, aborted)',
      labelNames: ['result'],
      registers: on,
    }),
    failoverSeconds: new Histogram({
      name: 'sluice_failover_seconds',
      help: 'Time from losing a backend to the session running on the next one',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: on,
    }),
    replayedMessages: new Counter({
      name: 'sluice_failover_replayed_messages_total',
      help: 'Client messages not yet written to the lost backend and replayed on the new one',
      registers: on,
    }),

    // valves
    valveCalls: new Counter({
      name: 'sluice_valve_calls_total',
      help: 'Valve hook calls, by valve and direction',
      labelNames: ['valve', 'direction'],
      registers: on,
    }),
    valveDrops: new Counter({
      name: 'sluice_valve_drops_total',
      help: 'Messages dropped by a valve (returned null or [], or on-error drop)',
      labelNames: ['valve', 'direction'],
      registers: on,
    }),
    valveErrors: new Counter({
      name: 'sluice_valve_errors_total',
      help: 'Valve errors, by kind (throw, timeout, memory, invalid-result, host-crash, tripped)',
      labelNames: ['valve', 'direction', 'kind'],
      registers: on,
    }),
    valveSeconds: new Histogram({
      name: 'sluice_valve_duration_seconds',
      help: 'Time a valve hook ran, by valve and direction',
      labelNames: ['valve', 'direction'],
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1],
      registers: on,
    }),
    valveHostRestarts: new Counter({
      name: 'sluice_valve_host_restarts_total',
      help: 'Times the valve host process was restarted (crash, hang or memory)',
      registers: on,
    }),
    reloads: new Counter({
      name: 'sluice_reloads_total',
      help: 'Hot reloads, by kind (config, valve, tls) and result (applied, rejected, unchanged)',
      labelNames: ['kind', 'result'],
      registers: on,
    }),
  };
}

/**
 * A counter bumped for every message: a plain number, added to its prom-client counter only when
 * /metrics is read (a prom-client `inc` hashes its labels and was ~4 % of the proxy's CPU).
 */
export class PlainCounter {
  value = 0;
  private reported = 0;

  inc(n = 1): void {
    this.value += n;
  }

  /** Adds what was counted since the last scrape to `counter`'s `direction` child. */
  foldInto(counter: Counter<'direction'>, direction: string): void {
    counter.labels(direction).inc(this.value - this.reported);
    this.reported = this.value;
  }
}
