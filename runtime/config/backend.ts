// One backend: file entry / admin POST body → BackendConfig, and back to wsbalancer's JSON.
import type { BackendConfigJson } from '../control/bus.ts';
import { coerce } from './coerce.ts';
import { formatGoDuration, parseDuration } from './duration.ts';
import { applyEnv } from './env.ts';
import type { BackendConfig, ConfigProblem } from './model.ts';
import { isRecord } from './pointer.ts';
import { Locator } from './problems.ts';
import { configSchema } from './schema.ts';
import { parseSize } from './size.ts';
import type { BackendEntry, SluiceConfigFile, UpstreamSection } from './types.generated.ts';
import { validateBackend, validateConfig } from './validate.ts';

/** What BE_* variables (or wsbalancer's undocumented `upstream.pingtime`, …) set for every backend. */
export interface BackendGlobals {
  pingTimeMs?: number;
  readBufferSize?: number;
  writeBufferSize?: number;
  breakerThreshold?: number;
  handshakeTimeoutMs?: number;
  /** Added to each backend's own pass-headers. */
  passHeaders?: string[];
  abnormalCloseCodes?: number[];
}

/** wsbalancer's NormalizeForID: host:port of the URL, every other character than [0-9a-zA-Z] → `-`. */
export function backendIdFor(url: string): string {
  const hostPort = /:\/\/((.+?)(:\d+)?)(\/|$)/.exec(url)?.[1] ?? url;
  return hostPort.replaceAll(/[^0-9a-zA-Z]/g, '-');
}

/** The global overrides of a validated `upstream` section (values not given stay undefined). */
export function readGlobals(upstream: UpstreamSection): BackendGlobals {
  const duration = (v: string | undefined) => (v === undefined ? undefined : parseDuration(v));
  const size = (v: string | number | undefined) => (v === undefined ? undefined : parseSize(v));
  return {
    pingTimeMs: duration(upstream.pingtime),
    readBufferSize: size(upstream.readbuffersize),
    writeBufferSize: size(upstream.writebuffersize),
    breakerThreshold: upstream.breakerthreshold,
    handshakeTimeoutMs: duration(upstream.handshaketimeout),
    passHeaders: upstream.passheaders,
    abnormalCloseCodes: upstream.abnormalclosecodes,
  };
}

/** A validated entry (defaults filled) → BackendConfig; a set global overrides the entry's own value. */
export function toBackendConfig(entry: BackendEntry, globals: BackendGlobals): BackendConfig {
  const headers = [...(entry['pass-headers'] ?? []), ...(globals.passHeaders ?? [])];
  return {
    id: entry.id ?? backendIdFor(entry.url),
    url: entry.url,
    pingTimeMs: globals.pingTimeMs ?? parseDuration(entry['ping-time']!),
    pongTimeoutMs: parseDuration(entry['pong-timeout']!),
    readBufferSize: globals.readBufferSize ?? parseSize(entry['read-buffer-size']!),
    writeBufferSize: globals.writeBufferSize ?? parseSize(entry['write-buffer-size']!),
    breakerThreshold: globals.breakerThreshold ?? entry['breaker-threshold']!,
    flapWindowMs: parseDuration(entry['flap-window']!),
    handshakeTimeoutMs: globals.handshakeTimeoutMs ?? parseDuration(entry['handshake-timeout']!),
    passHeaders: headers.filter(
      (h, i) => headers.findIndex((o) => o.toLowerCase() === h.toLowerCase()) === i,
    ),
    abnormalCloseCodes: [...(globals.abnormalCloseCodes ?? entry['abnormal-close-codes']!)],
    weight: entry.weight!,
    compression: entry.compression!,
    ...(entry.tls
      ? {
          tls: {
            caFile: entry.tls.ca,
            certFile: entry.tls.cert,
            keyFile: entry.tls.key,
            insecureSkipVerify: entry.tls['insecure-skip-verify'] ?? false,
          },
        }
      : {}),
  };
}

/** `/backend/config/{id}`: wsbalancer's field names, durations as Go prints them (`10m0s`). */
export function backendToJson(b: BackendConfig): BackendConfigJson {
  return {
    url: b.url,
    id: b.id,
    'ping-time': formatGoDuration(b.pingTimeMs),
    'read-buffer-size': b.readBufferSize,
    'write-buffer-size': b.writeBufferSize,
    'breaker-threshold': b.breakerThreshold,
    'flap-window': formatGoDuration(b.flapWindowMs),
    'handshake-timeout': formatGoDuration(b.handshakeTimeoutMs),
    'pass-headers': b.passHeaders.length > 0 ? [...b.passHeaders] : null,
    'abnormal-close-codes': [...b.abnormalCloseCodes],
    'pong-timeout': formatGoDuration(b.pongTimeoutMs),
    weight: b.weight,
    compression: b.compression,
    ...(b.tls
      ? {
          tls: {
            ...(b.tls.caFile ? { ca: b.tls.caFile } : {}),
            ...(b.tls.certFile ? { cert: b.tls.certFile } : {}),
            ...(b.tls.keyFile ? { key: b.tls.keyFile } : {}),
            'insecure-skip-verify': b.tls.insecureSkipVerify,
          },
        }
      : {}),
  };
}

/**
 * Validates a POST /backend/add body like a file entry (same keys, defaults and messages; the
 * output of backendToJson is accepted as is). With `env`, set BE_* variables override as they do
 * for file entries. The error names the field: `ping-time: "abc" is not a duration: …`.
 */
export function resolveBackendInput(
  body: unknown,
  env?: NodeJS.ProcessEnv,
): { backend?: BackendConfig; error?: string } {
  if (!isRecord(body))
    return {
      error: 'the body must be a JSON object with at least "url", e.g. {"url":"ws://127.0.0.1:9090"}',
    };
  let entry: Record<string, unknown>;
  try {
    entry = structuredClone(body);
  } catch {
    return { error: 'the body must be plain JSON' };
  }
  const locator = new Locator('body', new Map(), { line: 0, column: 0 });
  const problems: ConfigProblem[] = [];
  coerce(entry, configSchema.$defs.backend, '', locator, problems);
  problems.push(...validateBackend(entry, locator, ''));
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { error: errors.map((p) => `${p.path || 'body'}: ${p.message}`).join('; ') };
  return { backend: toBackendConfig(entry as unknown as BackendEntry, env ? envGlobals(env) : {}) };
}

/** BE_* overrides from the environment (none if any variable is invalid: startup rejects those). */
function envGlobals(env: NodeJS.ProcessEnv): BackendGlobals {
  const root: Record<string, unknown> = {};
  const scratch = new Locator('env', new Map(), { line: 0, column: 0 });
  applyEnv(root, env, scratch);
  coerce(root, configSchema, '', scratch, []);
  if (validateConfig(root, scratch).length > 0) return {};
  return readGlobals((root as SluiceConfigFile).upstream ?? {});
}
