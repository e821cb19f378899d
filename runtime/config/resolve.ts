// A validated config value (defaults filled in) → ResolvedConfig: durations in ms, sizes in bytes,
// listen addresses split, backend globals applied, log level normalised.
import { resolve as resolvePath } from 'node:path';
import { parseListenAddress } from './address.ts';
import { readGlobals, toBackendConfig } from './backend.ts';
import { parseDuration } from './duration.ts';
import type {
  AdminConfig,
  BackendConfig,
  ListenerConfig,
  LogLevel,
  PipelineEntryConfig,
  ResolvedConfig,
} from './model.ts';
import { parseSize } from './size.ts';
import type { AdminListener, FrontendListener, SluiceConfigFile } from './types.generated.ts';
import { parseLogLevel } from '../log.ts';

/** Builds the runtime config from a value that passed validation and the semantic checks. */
export function resolveConfig(
  raw: SluiceConfigFile,
  file: string | undefined,
  baseDir: string,
  pipeline: PipelineEntryConfig[],
): ResolvedConfig {
  const s = raw.server!;
  const u = raw.upstream!;
  const globals = readGlobals(u);
  return {
    file,
    baseDir,
    server: {
      frontend: frontendListener(s.frontend!, baseDir),
      admin: admin(s.admin!),
      readBufferSize: parseSize(s['read-buffer-size']!),
      writeBufferSize: parseSize(s['write-buffer-size']!),
      trustReceivedXff: s['trust-received-xff']!,
      blockHeaders: [...s['block-headers']!],
      reconnectHeader: s['reconnect-header']!,
      enableInstrumentation: s['enable-instrumentation']!,
      loggingLevel: parseLogLevel(s['logging-level']!) as LogLevel,
      maxMessageSize: parseSize(s['max-message-size']!),
      compression: s.compression!,
      allowedOrigins: [...s['allowed-origins']!],
      clientPingIntervalMs: parseDuration(s['client-ping-interval']!),
      clientPongTimeoutMs: parseDuration(s['client-pong-timeout']!),
      highWaterMark: parseSize(s['high-water-mark']!),
      lowWaterMark: parseSize(s['low-water-mark']!),
      stallTimeoutMs: parseDuration(s['stall-timeout']!),
      drainWindowMs: parseDuration(s['drain-window']!),
      shutdownTimeoutMs: parseDuration(s['shutdown-timeout']!),
    },
    upstream: {
      selection: u.selection!,
      backends: u.backends!.map((b) => withAbsoluteTls(toBackendConfig(b, globals), baseDir)),
      failoverTimeoutMs: parseDuration(u['failover-timeout']!),
      maxReconnects: u['max-reconnects']!,
      queueMaxMessages: u['queue-max-messages']!,
      queueMaxBytes: parseSize(u['queue-max-bytes']!),
    },
    pipeline,
    record: {
      dir: resolvePath(baseDir, raw.record?.dir ?? './captures'),
      maxBytes: parseSize(raw.record?.['max-bytes'] ?? '10MiB'),
      path: raw.record?.path,
    },
  };
}

function listener(l: FrontendListener): ListenerConfig {
  const { host, port } = parseListenAddress(l.address!);
  return {
    address: l.address!,
    host,
    port,
    readTimeoutMs: parseDuration(l['read-timeout']!),
    writeTimeoutMs: parseDuration(l['write-timeout']!),
    maxHeaderBytes: parseSize(l['max-header-bytes']!),
  };
}

function frontendListener(l: FrontendListener, baseDir: string): ListenerConfig {
  const base = listener(l);
  if (!l.tls) return base;
  return {
    ...base,
    tls: { certFile: resolvePath(baseDir, l.tls.cert), keyFile: resolvePath(baseDir, l.tls.key) },
  };
}

/** TLS file paths in the config are relative to the config file. */
function withAbsoluteTls(b: BackendConfig, baseDir: string): BackendConfig {
  if (!b.tls) return b;
  const abs = (f: string | undefined) => (f === undefined ? undefined : resolvePath(baseDir, f));
  return {
    ...b,
    tls: { ...b.tls, caFile: abs(b.tls.caFile), certFile: abs(b.tls.certFile), keyFile: abs(b.tls.keyFile) },
  };
}

function admin(a: AdminListener): AdminConfig {
  return {
    ...listener(a),
    token: a.token === undefined || a.token === '' ? undefined : a.token,
    allowedHosts: [...a['allowed-hosts']!],
  };
}
