// wsbalancer's environment variables (WSBALANCER.md §2.2) plus SLUICE_ADMIN_TOKEN. Each one sets a
// key of the merged config before validation, so its value gets the same checks as the file's;
// problems then point at `env NAME`. Precedence: env > file > default.
import { childPointer, isRecord } from './pointer.ts';
import type { Locator } from './problems.ts';

export interface EnvVarSpec {
  name: string;
  /** Key path in the merged config (backend globals use wsbalancer's undocumented global form). */
  path: string[];
  /** The documented key it sets, for messages and docs. */
  key: string;
  /** Comma-separated list, trimmed, empty items dropped. */
  list?: boolean;
  /** Set to the empty string still counts (otherwise an empty variable is treated as unset). */
  emptyMeansEmpty?: boolean;
}

export const ENV_VARS: readonly EnvVarSpec[] = [
  { name: 'FE_ADDR', path: ['server', 'frontend', 'address'], key: 'server.frontend.address' },
  {
    name: 'FE_READ_TIMEOUT',
    path: ['server', 'frontend', 'read-timeout'],
    key: 'server.frontend.read-timeout',
  },
  {
    name: 'FE_WRITE_TIMEOUT',
    path: ['server', 'frontend', 'write-timeout'],
    key: 'server.frontend.write-timeout',
  },
  {
    name: 'FE_MAX_HDR_BYTES',
    path: ['server', 'frontend', 'max-header-bytes'],
    key: 'server.frontend.max-header-bytes',
  },
  { name: 'ADM_ADDR', path: ['server', 'admin', 'address'], key: 'server.admin.address' },
  { name: 'ADM_READ_TIMEOUT', path: ['server', 'admin', 'read-timeout'], key: 'server.admin.read-timeout' },
  {
    name: 'ADM_WRITE_TIMEOUT',
    path: ['server', 'admin', 'write-timeout'],
    key: 'server.admin.write-timeout',
  },
  {
    name: 'ADM_MAX_HDR_BYTES',
    path: ['server', 'admin', 'max-header-bytes'],
    key: 'server.admin.max-header-bytes',
  },
  { name: 'SLUICE_ADMIN_TOKEN', path: ['server', 'admin', 'token'], key: 'server.admin.token' },
  { name: 'FE_RB_SIZE', path: ['server', 'read-buffer-size'], key: 'server.read-buffer-size' },
  { name: 'FE_WB_SIZE', path: ['server', 'write-buffer-size'], key: 'server.write-buffer-size' },
  { name: 'FE_TRUST_XFF', path: ['server', 'trust-received-xff'], key: 'server.trust-received-xff' },
  {
    name: 'BLOCK_HEADERS',
    path: ['server', 'block-headers'],
    key: 'server.block-headers',
    list: true,
    emptyMeansEmpty: true,
  },
  {
    name: 'RECONNECT_HDR',
    path: ['server', 'reconnect-header'],
    key: 'server.reconnect-header',
    emptyMeansEmpty: true,
  },
  { name: 'ENABLE_INST', path: ['server', 'enable-instrumentation'], key: 'server.enable-instrumentation' },
  { name: 'LOG_LEVEL', path: ['server', 'logging-level'], key: 'server.logging-level' },
  { name: 'BE_URLS', path: ['upstream', 'urls'], key: 'upstream.backends[].url', list: true },
  { name: 'BE_URL_IDS', path: ['upstream', 'ids'], key: 'upstream.backends[].id', list: true },
  { name: 'BE_PING_TIME', path: ['upstream', 'pingtime'], key: 'upstream.backends[].ping-time' },
  { name: 'BE_RB_SIZE', path: ['upstream', 'readbuffersize'], key: 'upstream.backends[].read-buffer-size' },
  { name: 'BE_WB_SIZE', path: ['upstream', 'writebuffersize'], key: 'upstream.backends[].write-buffer-size' },
  {
    name: 'BE_BREAKER_THRESHOLD',
    path: ['upstream', 'breakerthreshold'],
    key: 'upstream.backends[].breaker-threshold',
  },
  {
    name: 'BE_HANDSHAKE_TIMEOUT',
    path: ['upstream', 'handshaketimeout'],
    key: 'upstream.backends[].handshake-timeout',
  },
  {
    name: 'BE_PASS_HEADERS',
    path: ['upstream', 'passheaders'],
    key: 'upstream.backends[].pass-headers',
    list: true,
  },
  {
    name: 'BE_ABNORMAL_CLOSE_CODES',
    path: ['upstream', 'abnormalclosecodes'],
    key: 'upstream.backends[].abnormal-close-codes',
    list: true,
  },
];

/** Splits a comma-separated variable: items trimmed, empty items dropped (`a, b,` → [a, b]). */
export function splitEnvList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Writes every set variable into `root` (the file's merged value) and records it as the origin. */
export function applyEnv(root: Record<string, unknown>, env: NodeJS.ProcessEnv, locator: Locator): void {
  for (const spec of ENV_VARS) {
    const raw = env[spec.name];
    if (raw === undefined || (raw.trim() === '' && !spec.emptyMeansEmpty)) continue;
    const value = spec.list ? splitEnvList(raw) : raw.trim();
    let parent: Record<string, unknown> = root;
    let pointer = '';
    let reachable = true;
    for (const segment of spec.path.slice(0, -1)) {
      pointer = childPointer(pointer, segment);
      const next = parent[segment];
      if (next === undefined || next === null) parent[segment] = {};
      else if (!isRecord(parent[segment])) {
        reachable = false; // the file gave this section a wrong type; validation reports it
        break;
      }
      parent = parent[segment] as Record<string, unknown>;
    }
    if (!reachable) continue;
    const last = spec.path[spec.path.length - 1];
    parent[last] = value;
    locator.origins.set(childPointer(pointer, last), { kind: 'env', name: spec.name, key: spec.key });
  }
}
