// HAProxy as a WebSocket proxy (HTTP mode: it detects the upgrade and tunnels) in front of the
// echo backend; generated config in a temp dir, run in the foreground (-db) as a child process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants } from '../proc-stats.ts';
import { spawnTracked, stopChild, waitForPort } from '../procs.ts';
import { freePort } from './free-port.ts';
import type { Target } from './target.ts';

/** The haproxy.cfg the bench uses (also shown in docs/performance.md). */
export function haproxyConfig(port: number, echoPort: number): string {
  return `global
  maxconn 9000
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server echo 127.0.0.1:${echoPort}
`;
}

/** Starts HAProxy in front of `echoPort`; `dir` is this target's own temp dir. */
export async function startHaproxy(dir: string, echoPort: number): Promise<Target> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, echoPort));
  const child = spawnTracked('haproxy', 'haproxy', ['-f', cfg, '-db']);
  await waitForPort(port, 10_000, child);
  const pid = child.pid as number;
  return {
    name: 'haproxy',
    kind: 'haproxy',
    valves: 0,
    url: `ws://127.0.0.1:${port}/`,
    proxyPids: () => [pid, ...descendants(pid)],
    hostPids: () => [],
    stop: () => stopChild(child, 3000),
  };
}
