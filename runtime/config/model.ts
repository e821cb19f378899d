// The resolved configuration the runtime reads: file + environment + defaults merged, durations in
// milliseconds, sizes in bytes. Code never reads raw env or the raw file; it reads this.
// The raw file shape is described by schemas/config.schema.json (types in types.generated.ts).

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export type SelectionPolicy = 'round-robin' | 'least-sessions' | 'weighted';

export type OnError = 'drop' | 'pass' | 'close';

/** Frontend TLS: PEM files (absolute paths), reloaded on change. */
export interface ListenerTlsConfig {
  certFile: string;
  keyFile: string;
}

/** TLS to a wss:// backend: PEM files (absolute paths). */
export interface BackendTlsConfig {
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  insecureSkipVerify: boolean;
}

export interface ListenerConfig {
  /** host:port as written (`:8080` means all interfaces). */
  address: string;
  host: string;
  port: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
  maxHeaderBytes: number;
  /** Serve wss:// (frontend only). */
  tls?: ListenerTlsConfig;
}

export interface AdminConfig extends ListenerConfig {
  /** Bearer token; required when the address is not loopback. */
  token: string | undefined;
  /** Host header values accepted besides the listen address itself (DNS-rebinding guard). */
  allowedHosts: string[];
}

export interface BackendConfig {
  id: string;
  url: string;
  pingTimeMs: number;
  pongTimeoutMs: number;
  readBufferSize: number;
  writeBufferSize: number;
  /** Consecutive dial failures that trip the breaker; negative disables it. */
  breakerThreshold: number;
  /** A connection dropped within this time after its handshake counts as a failed dial (0: off). */
  flapWindowMs: number;
  handshakeTimeoutMs: number;
  passHeaders: string[];
  abnormalCloseCodes: number[];
  weight: number;
  compression: boolean;
  tls?: BackendTlsConfig;
}

export interface WhenClause {
  /** Glob on the request path (`*` within a segment, `**` across segments). */
  path?: string;
  subprotocol?: string;
  /** Header name (lower case) → exact value or /regex/. */
  headers?: Record<string, string>;
}

export interface PipelineEntryConfig {
  /** As written: a built-in name (`size-limit`) or a path relative to the config file. */
  valve: string;
  /** Absolute path of the valve source. */
  file: string;
  builtin: boolean;
  with: Record<string, unknown>;
  when: WhenClause | undefined;
  timeoutMs: number;
  memoryMb: number;
  onError: OnError;
  isolate: 'shared' | 'own';
}

export interface ServerConfig {
  frontend: ListenerConfig;
  admin: AdminConfig;
  readBufferSize: number;
  writeBufferSize: number;
  trustReceivedXff: boolean;
  blockHeaders: string[];
  reconnectHeader: string;
  enableInstrumentation: boolean;
  loggingLevel: LogLevel;
  /** Per direction; a larger message closes the sender's side with 1009. */
  maxMessageSize: number;
  /** Accept permessage-deflate from clients (each hop negotiates on its own). */
  compression: boolean;
  /** Allowed Origin values for browser clients; empty = any origin. `*` also means any. */
  allowedOrigins: string[];
  clientPingIntervalMs: number;
  clientPongTimeoutMs: number;
  /** Pause reading a peer when the other side's bufferedAmount passes this, resume under low. */
  highWaterMark: number;
  lowWaterMark: number;
  /** Close a session whose writer stays above the high-water mark this long (1008). */
  stallTimeoutMs: number;
  /** SIGTERM: sessions are closed with 1001 spread over this window… */
  drainWindowMs: number;
  /** …and the process exits 0 by this deadline at the latest. */
  shutdownTimeoutMs: number;
}

export interface UpstreamConfig {
  selection: SelectionPolicy;
  backends: BackendConfig[];
  /** A failover keeps trying eligible backends with backoff until this deadline, then 1013. */
  failoverTimeoutMs: number;
  /** More failovers than this within a minute close the session with 1013. */
  maxReconnects: number;
  /** Bound on client→backend messages held while a failover dials (count and bytes). */
  queueMaxMessages: number;
  queueMaxBytes: number;
}

/** `record:`: session captures (JSONL) for `sluice replay`. */
export interface RecordConfig {
  /** Absolute folder the capture files are written to. */
  dir: string;
  /** Largest size of one capture file in bytes. */
  maxBytes: number;
  /** Glob on the request path: matching sessions are recorded from their start; undefined = none. */
  path: string | undefined;
}

export interface ResolvedConfig {
  /** Absolute path of the file the config came from, if any. */
  file: string | undefined;
  /** Directory valve paths are resolved against. */
  baseDir: string;
  server: ServerConfig;
  upstream: UpstreamConfig;
  pipeline: PipelineEntryConfig[];
  record: RecordConfig;
}

/** One problem found while loading or checking a config (CONTRACT.md §1 `sluice check`). */
export interface ConfigProblem {
  /** File path, or `env` for an environment variable problem. */
  file: string;
  line: number;
  column: number;
  /** Key path such as `upstream.backends[0].url`, or the env variable name. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface LoadResult {
  config: ResolvedConfig | undefined;
  problems: ConfigProblem[];
}
