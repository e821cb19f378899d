// nginx as a WebSocket proxy in front of the echo backend: generated config in a temp dir, run in
// the foreground as a child process (worker_processes auto: one worker per core).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants } from '../proc-stats.ts';
import { spawnTracked, stopChild, waitForPort } from '../procs.ts';
import { freePort } from './free-port.ts';
import type { Target } from './target.ts';

/** The nginx.conf the bench uses (also shown in docs/performance.md). */
export function nginxConfig(dir: string, port: number, echoPort: number): string {
  return `worker_processes auto;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream echo { server 127.0.0.1:${echoPort}; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://echo;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }
  }
}
`;
}

/** Starts nginx in front of `echoPort`; `dir` is this target's own temp dir. */
export async function startNginx(dir: string, echoPort: number): Promise<Target> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, echoPort));
  const child = spawnTracked('nginx', 'nginx', [
    '-p',
    dir,
    '-e',
    join(dir, 'error.log'),
    '-c',
    conf,
    '-g',
    'daemon off;',
  ]);
  await waitForPort(port, 10_000, child);
  const master = child.pid as number;
  return {
    name: 'nginx',
    kind: 'nginx',
    valves: 0,
    url: `ws://127.0.0.1:${port}/`,
    proxyPids: () => [master, ...descendants(master)],
    hostPids: () => [],
    // nginx: SIGQUIT is the graceful stop, SIGTERM the fast one (what we want)
    stop: () => stopChild(child, 3000),
  };
}
