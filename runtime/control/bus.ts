// How admin actions reach backends and sessions. The admin routes speak only to this interface,
// so the same routes can later drive several worker processes or machines (DESIGN.md §3).
// Actions that touch sessions start the work and return; they never wait on a session.

/** The outcome of an admin action; routes map it to wsbalancer's JSON shapes. */
export type ActionOutcome =
  | { kind: 'success' }
  | { kind: 'noop' } // already in the asked state → {"result":"success","reason":"NoActionRequired"}
  | { kind: 'not-found' } // → 404 {"result":"failed","reason":"NotFound"}
  | { kind: 'invalid'; reason: string } // → 400 {"result":"failed","reason":…}
  | { kind: 'conflict'; reason: string }; // → 409 {"result":"failed","reason":…}

/** `/backend/list` entry, wsbalancer field names. */
export interface BackendListEntry {
  url: string;
  id: string;
  activeConnections: number;
  enabled: boolean;
  tripped: boolean;
  totalConnections: number;
  totalFailures: number;
}

/** `/backend/config/{id}`: accepted as is by `/backend/add` (round-trips). */
export interface BackendConfigJson {
  url: string;
  id: string;
  'ping-time': string;
  'read-buffer-size': number;
  'write-buffer-size': number;
  'breaker-threshold': number;
  'flap-window': string;
  'handshake-timeout': string;
  'pass-headers': string[] | null;
  'abnormal-close-codes': number[];
  'pong-timeout': string;
  weight: number;
  compression: boolean;
  tls?: { ca?: string; cert?: string; key?: string; 'insecure-skip-verify': boolean };
}

/** `/session/list` entry, wsbalancer field names. */
export interface SessionListEntry {
  id: string;
  uri: string;
  backendId: string;
  reconnects: number;
  msgsReceived: number;
  msgsSent: number;
}

export interface FrontendListEntry {
  id: string;
}

export interface ControlBus {
  listBackends(): BackendListEntry[];
  backendConfig(id: string): BackendConfigJson | undefined;
  /** Body of POST /backend/add, already parsed as JSON; the bus validates it. */
  addBackend(body: unknown): ActionOutcome;
  disableBackend(id: string): ActionOutcome;
  enableBackend(id: string): ActionOutcome;
  resetBackend(id: string): ActionOutcome;
  deleteBackend(id: string): ActionOutcome;
  failoverBackend(id: string): ActionOutcome;

  listSessions(): SessionListEntry[];
  abortSession(id: string): ActionOutcome;
  failoverSession(id: string): ActionOutcome;
  /** `POST /session/record/{id}`: capture the session from now on (`record.dir`); optional for a bus. */
  recordSession?(id: string): ActionOutcome;

  listFrontends(): FrontendListEntry[];
  pauseFrontend(id: string): ActionOutcome;
  resumeFrontend(id: string): ActionOutcome;

  /** `GET /pipeline`: the running pipeline's valves and their status. */
  pipelineStatus(): unknown;
  /** `POST /pipeline/reload`: re-read config and valves; resolves when the reload is decided. */
  reloadPipeline(): Promise<ActionOutcome>;
}
