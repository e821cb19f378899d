// The set of backends: runtime add/disable/enable/delete/reset, and dialling across them with
// the breaker. Only a backend's own failures (5xx, refused, timeout, a connection it drops within
// its flap-window) count against it; a client that leaves or sends an unsendable request never does.
import type { WebSocket } from 'ws';
import { formatGoDuration } from '../config/duration.ts';
import type { BackendConfig, SelectionPolicy } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Backend } from './backend.ts';
import { type DialFailureKind, type DialRequest, dialBackend, type PendingDial } from './dial.ts';
import { endProbation, startProbation } from './flap-probation.ts';
import { Selector } from './selection.ts';

export type PoolDialResult =
  | {
      ok: true;
      backend: Backend;
      ws: WebSocket;
      protocol: string;
      passHeaders: Record<string, string | string[]>;
    }
  | { ok: false; kind: DialFailureKind | 'exhausted'; status: number; message: string; backend?: Backend };

export interface PoolDialOptions {
  /** Backends not to try in this pass (the one that just failed, on failover). */
  exclude?: Set<Backend>;
  /** 'stop': a 3xx/4xx ends the search (new sessions). 'skip': try the next backend (failover). */
  onDeclined: 'stop' | 'skip';
  /** Receives each handshake in progress so the caller can abort it when the client leaves. */
  track?: (pending: PendingDial | undefined) => void;
}

export class BackendPool {
  private backends: Backend[];
  private selector: Selector;
  private selection: SelectionPolicy;
  private readonly metrics: Metrics;
  private readonly logger: Logger;

  constructor(configs: BackendConfig[], selection: SelectionPolicy, metrics: Metrics, logger: Logger) {
    this.selector = new Selector(selection);
    this.selection = selection;
    this.metrics = metrics;
    this.logger = logger;
    this.backends = [];
    for (const c of configs) this.add(c);
  }

  /** Enabled backends in order, then disabled ones (wsbalancer's /backend/list order). */
  list(): Backend[] {
    return [...this.backends.filter((b) => b.enabled), ...this.backends.filter((b) => !b.enabled)];
  }

  get(id: string): Backend | undefined {
    return this.backends.find((b) => b.id === id);
  }

  /** Adds a backend; undefined when its id or enabled URL is taken. */
  add(config: BackendConfig): Backend | undefined {
    if (this.backends.some((b) => b.id === config.id || (b.enabled && b.config.url === config.url))) {
      return undefined;
    }
    const backend = new Backend(config);
    backend.breaker.onChange = (tripped) => {
      if (backend.deleted) return; // a late verdict on a removed backend: no gauge for it again
      this.metrics.breakerState.set({ backend: backend.id }, tripped ? 1 : 0);
      this.logger.warn({ backend: backend.id, tripped }, tripped ? 'breaker tripped' : 'breaker closed');
    };
    this.metrics.breakerState.set({ backend: backend.id }, 0);
    this.metrics.backendSessions.set({ backend: backend.id }, 0);
    this.backends.push(backend);
    return backend;
  }

  /** Removes a backend from the pool; its sessions are failed over by the caller. */
  remove(backend: Backend): void {
    backend.deleted = true;
    backend.enabled = false;
    this.backends = this.backends.filter((b) => b !== backend);
    this.metrics.breakerState.remove({ backend: backend.id });
  }

  /**
   * Hot reload: makes the pool match `configs` (the config file is the truth). Changed backends
   * take their new settings for the next dial; backends no longer listed are removed and returned
   * so the caller can move their sessions.
   */
  reconcile(
    configs: BackendConfig[],
    selection: SelectionPolicy,
  ): { added: string[]; updated: string[]; removed: Backend[] } {
    if (selection !== this.selection) {
      this.selection = selection;
      this.selector = new Selector(selection);
    }
    const wanted = new Map(configs.map((c) => [c.id, c]));
    const removed = this.backends.filter((b) => !wanted.has(b.id));
    for (const b of removed) this.remove(b);
    const added: string[] = [];
    const updated: string[] = [];
    for (const c of configs) {
      const b = this.get(c.id);
      if (!b) {
        if (this.add(c)) added.push(c.id);
      } else if (JSON.stringify(b.config) !== JSON.stringify(c)) {
        b.config = c;
        b.breaker.threshold = c.breakerThreshold;
        updated.push(c.id);
      }
    }
    return { added, updated, removed };
  }

  disable(backend: Backend): boolean {
    if (!backend.enabled) return false;
    backend.enabled = false;
    return true;
  }

  /** Enables a backend; it moves to the end of the rotation, as in wsbalancer. */
  enable(backend: Backend): boolean {
    if (backend.enabled) return false;
    backend.enabled = true;
    this.backends = [...this.backends.filter((b) => b !== backend), backend];
    return true;
  }

  /**
   * A session left `backend` (closed or failed over). With its connection `ws`, a handshake still
   * on probation (flap-window) becomes a success: the connection did not end by the backend's fault.
   */
  release(backend: Backend, ws?: WebSocket): void {
    backend.active--;
    this.metrics.backendSessions.set({ backend: backend.id }, backend.active);
    const p = ws === undefined ? undefined : endProbation(ws);
    if (p !== undefined) backend.breaker.success(p.trial);
  }

  /**
   * Gives back a connection dialled for a session that will not use it (the client left, the
   * valve provider failed). It is still paused from the dial, so it is resumed: a paused socket
   * never reads the backend's answering close frame and would wait ws's 30 s close timeout.
   */
  giveBack(backend: Backend, ws: WebSocket, reason: string): void {
    this.release(backend, ws);
    ws.on('error', noop);
    ws.resume();
    ws.close(1001, reason);
  }

  /**
   * The backend dropped `ws` (a code in abnormal-close-codes, or its TCP connection): within its
   * flap-window after the handshake that is a failed dial (a flapping backend); after it, a
   * mid-session drop, it does not count. Call before release().
   */
  lost(ws: WebSocket | undefined, code: number): void {
    const p = ws === undefined ? undefined : endProbation(ws);
    if (p === undefined) return;
    const ms = performance.now() - p.since;
    const windowMs = p.backend.config.flapWindowMs;
    // The window timer may run late on a busy loop: past the window it is still a success.
    if (ms >= windowMs) p.backend.breaker.success(p.trial);
    else {
      const window = formatGoDuration(windowMs);
      this.countFailure(
        p.backend,
        `closed (${code}) ${Math.round(ms)} ms after the handshake, within flap-window ${window}`,
        p.trial,
      );
    }
  }

  /** Tries eligible backends in selection order until one completes the handshake. */
  async dial(request: DialRequest, options: PoolDialOptions): Promise<PoolDialResult> {
    const enabled = this.backends.filter((b) => b.enabled && !options.exclude?.has(b));
    let last: PoolDialResult = {
      ok: false,
      kind: 'exhausted',
      status: 502,
      message: enabled.length === 0 ? 'no enabled backend' : 'every backend failed',
    };
    for (const backend of this.selector.order(enabled)) {
      if (!backend.breaker.ready()) {
        this.metrics.dials.inc({ backend: backend.id, result: 'tripped' });
        continue;
      }
      // Admitted while tripped: this dial is the half-open trial.
      const trial = backend.breaker.tripped;
      const started = performance.now();
      const pending = dialBackend(backend.config, request);
      options.track?.(pending);
      const r = await pending.result;
      options.track?.(undefined);
      if (r.ok) {
        if (backend.deleted || !backend.enabled) {
          // Removed or disabled while we dialled: don't start a session there.
          backend.breaker.release(trial);
          r.ws.on('error', noop);
          r.ws.terminate();
          continue;
        }
        startProbation(backend, r.ws, trial);
        backend.active++;
        backend.totalConnections++;
        this.metrics.backendSessions.set({ backend: backend.id }, backend.active);
        this.metrics.dials.inc({ backend: backend.id, result: 'success' });
        this.metrics.dialSeconds.observe({ backend: backend.id }, (performance.now() - started) / 1000);
        return { ok: true, backend, ws: r.ws, protocol: r.protocol, passHeaders: r.passHeaders };
      }
      this.metrics.dials.inc({ backend: backend.id, result: r.kind });
      switch (r.kind) {
        case 'client':
        case 'aborted':
          backend.breaker.release(trial);
          return { ...r, backend };
        case 'declined':
          backend.breaker.release(trial);
          if (options.onDeclined === 'stop' || r.status === 401 || r.status === 403) return { ...r, backend };
          last = { ...r, backend };
          continue;
        case 'subprotocol':
          // Skipped on failover (another backend may accept it); at first connect it is the
          // backend's fault.
          if (request.requireProtocol === undefined) this.countFailure(backend, r.message, trial);
          else backend.breaker.release(trial);
          last = { ...r, backend };
          continue;
        default:
          this.countFailure(backend, r.message, trial);
          last = { ok: false, kind: 'exhausted', status: 502, message: r.message, backend };
      }
    }
    return last;
  }

  private countFailure(backend: Backend, message: string, trial: boolean): void {
    backend.totalFailures++;
    backend.breaker.failure(trial);
    this.logger.info({ backend: backend.id, err: message }, 'backend dial failed');
  }
}

function noop(): void {}
