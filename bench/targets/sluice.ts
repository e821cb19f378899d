// Sluice as a target: the real CLI (`runtime/cli.ts run <config> --no-watch`) in its own process,
// with a generated config in a temp dir. The valve host is the Sluice process's child.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendants } from '../proc-stats.ts';
import { PROXY_NODE_FLAGS } from '../../runtime/node-flags.ts';
import { spawnTracked, stopChild, waitForLine } from '../procs.ts';
import type { Target } from './target.ts';

const HERE = fileURLToPath(new URL('../../', import.meta.url));
const VALVES = fileURLToPath(new URL('../valves/', import.meta.url));

/** The bench valves in pipeline order: 1 valve = size-limit; 3 = size-limit, json-schema, redact. */
const PIPELINE = [
  { file: 'size-limit.js', with: '{ maxBytes: 65536 }' },
  { file: 'json-schema.js', with: '{ required: [id, type] }' },
  { file: 'redact.js', with: '{ field: token }' },
];

/** The same checks with Sluice's built-in valves (`--builtin-valves`), client → backend only. */
const BUILTIN = [
  { valve: 'size-limit', with: '{ maxBytes: 65536, direction: fromClient }' },
  {
    valve: 'json-schema',
    with:
      '{ direction: fromClient, schema: { type: object, required: [id, type], ' +
      'properties: { id: { type: integer }, type: { type: string } } } }',
  },
  { valve: 'redact', with: '{ paths: [token], direction: fromClient }' },
];

/** Which Sluice and which valves (from the command line). */
export interface SluiceChoice {
  /** The checkout to run (default: the one this bench is in). */
  root?: string;
  /** Use Sluice's built-in valves instead of the bench's own (bench/valves/). */
  builtin?: boolean;
}

export interface SluiceOptions extends SluiceChoice {
  valves: 0 | 1 | 3;
  backends: { id: string; url: string }[];
  /** Extra environment (e.g. NODE_OPTIONS for --profile). */
  env?: NodeJS.ProcessEnv;
  /** Sees the process's stderr (the valve host's too: it inherits it). */
  onStderr?: (text: string) => void;
}

/** The sluice.yaml the bench generates (also shown in docs/performance.md). */
export function sluiceConfig(opts: SluiceOptions): string {
  const lines = [
    'server:',
    '  frontend: { address: 127.0.0.1:0 }',
    '  admin: { address: 127.0.0.1:0 }',
    '  logging-level: warn',
    '  drain-window: 0s',
    '  shutdown-timeout: 2s',
    'upstream:',
    '  failover-timeout: 5s',
    '  backends:',
    ...opts.backends.map((b) => `    - { id: ${b.id}, url: "${b.url}" }`),
  ];
  if (opts.valves > 0) {
    lines.push('pipeline:');
    const entries = opts.builtin
      ? BUILTIN
      : PIPELINE.map((v) => ({ valve: `./valves/${v.file}`, with: v.with }));
    for (const v of entries.slice(0, opts.valves)) lines.push(`  - valve: ${v.valve}`, `    with: ${v.with}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Starts Sluice; `dir` is this instance's own temp dir (config and copies of the valves). */
export async function startSluice(dir: string, opts: SluiceOptions): Promise<Target> {
  mkdirSync(join(dir, 'valves'), { recursive: true });
  for (const v of PIPELINE) copyFileSync(join(VALVES, v.file), join(dir, 'valves', v.file));
  const config = join(dir, 'sluice.yaml');
  writeFileSync(config, sluiceConfig(opts));
  const name = `sluice-${opts.valves}v`;
  const cli = join(opts.root ?? HERE, 'runtime', 'cli.ts');
  const child = spawnTracked(
    name,
    process.execPath,
    [...PROXY_NODE_FLAGS, cli, 'run', config, '--no-watch'],
    {
      cwd: dir,
      env: { ...process.env, ...opts.env },
    },
  );
  const onStderr = opts.onStderr;
  if (onStderr) child.stderr?.on('data', (chunk: Buffer) => onStderr(chunk.toString()));
  const m = await waitForLine(
    child,
    /listening on ws:\/\/([^/\s]+):(\d+)\/ \(admin http:\/\/([^/\s]+):(\d+)\//,
    20_000,
  );
  const pid = child.pid as number;
  return {
    name,
    kind: 'sluice',
    valves: opts.valves,
    url: `ws://127.0.0.1:${m[2]}/`,
    admin: `http://127.0.0.1:${m[4]}`,
    proxyPids: () => [pid],
    hostPids: () => descendants(pid),
    stop: () => stopChild(child, 5000),
  };
}

/** POSTs an admin action (no body, so no Content-Type: the CSRF guard lets it through). */
export async function adminPost(target: Target, path: string): Promise<{ status: number; body: string }> {
  if (!target.admin) throw new Error(`${target.name} has no admin API`);
  const res = await fetch(`${target.admin}${path}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: await res.text() };
}
