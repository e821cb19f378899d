// A small in-memory ControlBus for the admin tests. It is the admin server's collaborator, not
// the thing under test: it gives each action wsbalancer-like state so every outcome
// (success, noop, not-found, invalid, conflict) can be produced on purpose.
import type {
  ActionOutcome,
  BackendConfigJson,
  BackendListEntry,
  ControlBus,
  FrontendListEntry,
  SessionListEntry,
} from '../../../runtime/control/bus.ts';

interface FakeBackend {
  config: BackendConfigJson;
  enabled: boolean;
  tripped: boolean;
  totalConnections: number;
  totalFailures: number;
}

/** A backend config as wsbalancer prints it, with Sluice's extra keys. */
export function backendConfig(id: string, url: string): BackendConfigJson {
  return {
    url,
    id,
    'ping-time': '10m0s',
    'read-buffer-size': 1024,
    'write-buffer-size': 1024,
    'breaker-threshold': 3,
    'flap-window': '1s',
    'handshake-timeout': '10s',
    'pass-headers': null,
    'abnormal-close-codes': [1001, 1005, 1006, 1011, 1012, 1013, 1014],
    'pong-timeout': '10s',
    weight: 1,
    compression: false,
  };
}

const SUCCESS: ActionOutcome = { kind: 'success' };
const NOOP: ActionOutcome = { kind: 'noop' };
const NOT_FOUND: ActionOutcome = { kind: 'not-found' };

export class FakeBus implements ControlBus {
  readonly backends = new Map<string, FakeBackend>();
  readonly sessions = new Map<string, SessionListEntry>();
  readonly frontend = { id: '127-0-0-1-8080', paused: false };
  /** Every id an action received, in order, as `method:id`. */
  readonly calls: string[] = [];
  /** Replace to control POST /pipeline/reload. */
  reload: () => Promise<ActionOutcome> = async () => SUCCESS;
  /** Name of a method that throws instead of answering. */
  throwIn: keyof ControlBus | undefined;

  constructor() {
    for (const [id, port] of [
      ['a', 9090],
      ['b', 9091],
    ] as const) {
      this.backends.set(id, {
        config: backendConfig(id, `ws://127.0.0.1:${port}`),
        enabled: true,
        tripped: false,
        totalConnections: 0,
        totalFailures: 0,
      });
    }
    this.sessions.set('s1', {
      id: 's1',
      uri: '/echo?q="1"',
      backendId: 'a',
      reconnects: 0,
      msgsReceived: 2,
      msgsSent: 3,
    });
  }

  private enter(method: keyof ControlBus, id = ''): void {
    this.calls.push(`${method}:${id}`);
    if (this.throwIn === method) throw new Error(`boom in ${method} "quoted"`);
  }

  listBackends(): BackendListEntry[] {
    this.enter('listBackends');
    const all = [...this.backends.values()];
    const order = [...all.filter((b) => b.enabled), ...all.filter((b) => !b.enabled)];
    return order.map((b) => ({
      url: b.config.url,
      id: b.config.id,
      activeConnections: [...this.sessions.values()].filter((s) => s.backendId === b.config.id).length,
      enabled: b.enabled,
      tripped: b.tripped,
      totalConnections: b.totalConnections,
      totalFailures: b.totalFailures,
    }));
  }

  backendConfig(id: string): BackendConfigJson | undefined {
    this.enter('backendConfig', id);
    return this.backends.get(id)?.config;
  }

  addBackend(body: unknown): ActionOutcome {
    this.enter('addBackend');
    const input = body as Partial<BackendConfigJson> | null;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { kind: 'invalid', reason: 'InvalidBackend: the body must be a JSON object' };
    }
    if (typeof input.url !== 'string' || !/^wss?:\/\//.test(input.url)) {
      return { kind: 'invalid', reason: 'InvalidBackend: url must be a ws:// or wss:// URL' };
    }
    const id = typeof input.id === 'string' ? input.id : input.url.replace(/\W+/g, '-');
    if (this.backends.has(id))
      return { kind: 'conflict', reason: `DuplicateId: backend "${id}" already exists` };
    this.backends.set(id, {
      config: { ...backendConfig(id, input.url), ...input, id },
      enabled: true,
      tripped: false,
      totalConnections: 0,
      totalFailures: 0,
    });
    return SUCCESS;
  }

  disableBackend(id: string): ActionOutcome {
    this.enter('disableBackend', id);
    const b = this.backends.get(id);
    if (!b) return NOT_FOUND;
    if (!b.enabled) return NOOP;
    b.enabled = false;
    return SUCCESS;
  }

  enableBackend(id: string): ActionOutcome {
    this.enter('enableBackend', id);
    const b = this.backends.get(id);
    if (!b) return NOT_FOUND;
    if (b.enabled) return NOOP;
    b.enabled = true;
    return SUCCESS;
  }

  resetBackend(id: string): ActionOutcome {
    this.enter('resetBackend', id);
    const b = this.backends.get(id);
    if (!b) return NOT_FOUND;
    if (!b.tripped) return NOOP;
    b.tripped = false;
    return SUCCESS;
  }

  deleteBackend(id: string): ActionOutcome {
    this.enter('deleteBackend', id);
    return this.backends.delete(id) ? SUCCESS : NOT_FOUND;
  }

  failoverBackend(id: string): ActionOutcome {
    this.enter('failoverBackend', id);
    if (!this.backends.has(id)) return NOT_FOUND;
    return [...this.sessions.values()].some((s) => s.backendId === id) ? SUCCESS : NOOP;
  }

  listSessions(): SessionListEntry[] {
    this.enter('listSessions');
    return [...this.sessions.values()];
  }

  abortSession(id: string): ActionOutcome {
    this.enter('abortSession', id);
    return this.sessions.delete(id) ? SUCCESS : NOT_FOUND;
  }

  failoverSession(id: string): ActionOutcome {
    this.enter('failoverSession', id);
    const s = this.sessions.get(id);
    if (!s) return NOT_FOUND;
    s.reconnects += 1;
    return SUCCESS;
  }

  listFrontends(): FrontendListEntry[] {
    this.enter('listFrontends');
    return [{ id: this.frontend.id }];
  }

  pauseFrontend(id: string): ActionOutcome {
    this.enter('pauseFrontend', id);
    if (id !== this.frontend.id) return NOT_FOUND;
    if (this.frontend.paused) return NOOP;
    this.frontend.paused = true;
    return SUCCESS;
  }

  resumeFrontend(id: string): ActionOutcome {
    this.enter('resumeFrontend', id);
    if (id !== this.frontend.id) return NOT_FOUND;
    if (!this.frontend.paused) return NOOP;
    this.frontend.paused = false;
    return SUCCESS;
  }

  pipelineStatus(): unknown {
    this.enter('pipelineStatus');
    return {
      version: 1,
      valves: [
        {
          name: 'size-limit',
          source: 'builtin:size-limit',
          hash: 'sha256:abc',
          loadedAt: '2025-01-01T00:00:00.000Z',
          status: 'ok',
          lastError: null,
          calls: 3,
          drops: 1,
          errors: 0,
        },
      ],
    };
  }

  reloadPipeline(): Promise<ActionOutcome> {
    this.enter('reloadPipeline');
    return this.reload();
  }
}
