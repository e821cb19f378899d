// The ControlBus for one process: admin actions applied directly to the pool and the sessions.
// Actions on sessions only start the work (a failover, a close) and return at once.
import type { BackendPool } from '../backend/pool.ts';
import { backendToJson, resolveBackendInput } from '../config/index.ts';
import type { Frontend } from '../frontend/server.ts';
import type { Logger } from '../log.ts';
import type {
  ActionOutcome,
  BackendConfigJson,
  BackendListEntry,
  ControlBus,
  FrontendListEntry,
  SessionListEntry,
} from './bus.ts';

const SUCCESS: ActionOutcome = { kind: 'success' };
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'fd00:ec2::254', '100.100.100.200']);
const NOOP: ActionOutcome = { kind: 'noop' };
const NOT_FOUND: ActionOutcome = { kind: 'not-found' };

/** Hooks into the valve pipeline, provided by the composition root. */
export interface PipelineControl {
  status(): unknown;
  reload(): Promise<ActionOutcome>;
}

export class LocalControlBus implements ControlBus {
  private readonly pool: BackendPool;
  private readonly frontend: Frontend;
  private readonly pipeline: PipelineControl;
  private readonly logger: Logger;

  /** The ports Sluice itself listens on (frontend, admin), once bound. */
  private readonly ownPorts: () => number[];

  constructor(
    pool: BackendPool,
    frontend: Frontend,
    pipeline: PipelineControl,
    logger: Logger,
    ownPorts: () => number[] = () => [],
  ) {
    this.pool = pool;
    this.frontend = frontend;
    this.pipeline = pipeline;
    this.logger = logger;
    this.ownPorts = ownPorts;
  }

  listBackends(): BackendListEntry[] {
    return this.pool.list().map((b) => ({
      url: b.config.url,
      id: b.id,
      activeConnections: b.active,
      enabled: b.enabled,
      tripped: b.breaker.tripped,
      totalConnections: b.totalConnections,
      totalFailures: b.totalFailures,
    }));
  }

  backendConfig(id: string): BackendConfigJson | undefined {
    const b = this.pool.get(id);
    return b ? backendToJson(b.config) : undefined;
  }

  addBackend(body: unknown): ActionOutcome {
    const { backend, error } = resolveBackendInput(body);
    if (!backend) return { kind: 'invalid', reason: error ?? 'invalid backend' };
    const unsafe = this.unsafeTarget(backend.url);
    if (unsafe) return { kind: 'invalid', reason: `url: ${unsafe}` };
    if (this.pool.get(backend.id)) return { kind: 'conflict', reason: `id already exists: ${backend.id}` };
    if (!this.pool.add(backend)) return { kind: 'conflict', reason: 'url already exists' };
    this.logger.info({ backend: backend.id, url: backend.url }, 'backend added');
    return SUCCESS;
  }

  /**
   * A backend added at runtime must not point Sluice at itself or at a cloud metadata service
   * (an admin caller turning the proxy into a request forwarder: FAULTS.md 48).
   */
  private unsafeTarget(url: string): string | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined; // resolveBackendInput already refused it
    }
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (METADATA_HOSTS.has(host) || host.startsWith('169.254.')) {
      return `${host} is a link-local / cloud metadata address; Sluice does not proxy to it`;
    }
    const port = Number(u.port || (u.protocol === 'wss:' ? 443 : 80));
    const local = host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '0.0.0.0';
    if (local && this.ownPorts().includes(port)) {
      return `${url} points at Sluice's own listener (port ${port}); use a backend's address`;
    }
    return undefined;
  }

  disableBackend(id: string): ActionOutcome {
    const b = this.pool.get(id);
    if (!b) return NOT_FOUND;
    return this.pool.disable(b) ? SUCCESS : NOOP;
  }

  enableBackend(id: string): ActionOutcome {
    const b = this.pool.get(id);
    if (!b) return NOT_FOUND;
    return this.pool.enable(b) ? SUCCESS : NOOP;
  }

  resetBackend(id: string): ActionOutcome {
    const b = this.pool.get(id);
    if (!b) return NOT_FOUND;
    return b.breaker.reset() ? SUCCESS : NOOP;
  }

  deleteBackend(id: string): ActionOutcome {
    const b = this.pool.get(id);
    if (!b) return NOT_FOUND;
    this.pool.remove(b);
    // Its sessions move to the remaining backends (or close with 1013 when there are none).
    for (const s of this.frontend.sessions.values()) if (s.backend === b) s.requestFailover();
    this.logger.info({ backend: id }, 'backend deleted');
    return SUCCESS;
  }

  failoverBackend(id: string): ActionOutcome {
    const b = this.pool.get(id);
    if (!b) return NOT_FOUND;
    let moved = 0;
    for (const s of this.frontend.sessions.values()) if (s.backend === b && s.requestFailover()) moved++;
    return moved > 0 ? SUCCESS : NOOP;
  }

  listSessions(): SessionListEntry[] {
    const out: SessionListEntry[] = [];
    for (const s of this.frontend.sessions.values()) {
      out.push({
        id: s.id,
        uri: s.uri,
        backendId: s.backend.id,
        reconnects: s.reconnects,
        msgsReceived: s.msgsReceived,
        msgsSent: s.msgsSent,
      });
    }
    return out;
  }

  abortSession(id: string): ActionOutcome {
    const s = this.frontend.sessions.get(id);
    if (!s) return NOT_FOUND;
    if (s.state === 'closing' || s.state === 'closed') return NOOP;
    s.closeBoth(1000, 'aborted by admin', 'aborted');
    return SUCCESS;
  }

  failoverSession(id: string): ActionOutcome {
    const s = this.frontend.sessions.get(id);
    if (!s) return NOT_FOUND;
    return s.requestFailover() ? SUCCESS : NOOP;
  }

  recordSession(id: string): ActionOutcome {
    const s = this.frontend.sessions.get(id);
    if (!s) return NOT_FOUND;
    if (s.state === 'closing' || s.state === 'closed' || s.recorder?.active) return NOOP;
    const recorder = this.frontend.recording.start(s.id);
    if (!recorder) return { kind: 'conflict', reason: 'RecordDirUnavailable' };
    s.recorder = recorder;
    return SUCCESS;
  }

  listFrontends(): FrontendListEntry[] {
    return [{ id: this.frontend.id }];
  }

  pauseFrontend(id: string): ActionOutcome {
    if (id !== this.frontend.id) return NOT_FOUND;
    if (this.frontend.paused) return NOOP;
    this.frontend.paused = true;
    return SUCCESS;
  }

  resumeFrontend(id: string): ActionOutcome {
    if (id !== this.frontend.id) return NOT_FOUND;
    if (!this.frontend.paused) return NOOP;
    this.frontend.paused = false;
    return SUCCESS;
  }

  pipelineStatus(): unknown {
    return this.pipeline.status();
  }

  reloadPipeline(): Promise<ActionOutcome> {
    return this.pipeline.reload();
  }
}
