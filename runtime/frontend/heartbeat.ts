// Pings both sides of every session so a dead peer is found (wsbalancer never checked pongs):
// clients every `client-ping-interval`, backends every backend `ping-time`; a peer that has not
// answered within its pong timeout is dropped — a dead backend then fails over, a dead client
// ends the session. One timer sweeps all sessions; none is created per session.
import type { ResolvedConfig } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { Session } from './session.ts';

export class Heartbeat {
  private readonly sessions: Map<string, Session>;
  private config: ResolvedConfig;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;

  constructor(sessions: Map<string, Session>, config: ResolvedConfig, logger: Logger) {
    this.sessions = sessions;
    this.config = config;
    this.logger = logger;
  }

  start(): void {
    const s = this.config.server;
    const periods = [s.clientPingIntervalMs, s.clientPongTimeoutMs];
    for (const b of this.config.upstream.backends) periods.push(b.pingTimeMs, b.pongTimeoutMs);
    // At most 250 ms: a backend added at runtime (POST /backend/add) may ping more often than any
    // configured one, and a tick as long as its ping-time skips every other ping (1 s → 2 s gaps).
    const tick = Math.max(50, Math.min(250, ...periods.filter((p) => p > 0).map((p) => p / 4)));
    this.timer = setInterval(() => this.sweep(), tick);
    this.timer.unref();
  }

  /** New intervals after a hot reload. */
  reconfigure(next: ResolvedConfig): void {
    this.config = next;
    if (this.timer) {
      this.stop();
      this.start();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    const { clientPingIntervalMs, clientPongTimeoutMs } = this.config.server;
    for (const session of this.sessions.values()) {
      if (session.state !== 'open') continue;
      const paused = session.flowPaused;
      if (clientPingIntervalMs > 0) {
        if (session.clientAwaitingPong) {
          if (!paused && now - session.clientPingAt > clientPongTimeoutMs) {
            this.logger.info({ session: session.id }, 'client did not answer ping: closing');
            session.client.terminate();
            continue;
          }
        } else if (now - session.clientPingAt >= clientPingIntervalMs) {
          session.clientAwaitingPong = true;
          session.clientPingAt = now;
          // ws throws on ping() once a close handshake has begun (readyState CLOSING).
          if (session.client.readyState === session.client.OPEN) session.client.ping();
        }
      }
      const link = session.link;
      const b = session.backend.config;
      if (!link || b.pingTimeMs <= 0) continue;
      if (session.linkAwaitingPong) {
        if (!paused && b.pongTimeoutMs > 0 && now - session.linkPingAt > b.pongTimeoutMs) {
          this.logger.warn(
            { session: session.id, backend: b.id },
            'backend did not answer ping: failing over',
          );
          link.terminate(); // close 1006 → failover
        }
      } else if (now - session.linkPingAt >= b.pingTimeMs) {
        session.linkAwaitingPong = true;
        session.linkPingAt = now;
        if (link.readyState === link.OPEN) link.ping();
      }
    }
  }
}
