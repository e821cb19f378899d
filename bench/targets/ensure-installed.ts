// nginx and HAProxy come from Debian packages; the bench installs them when they are missing
// (the bench machines run as root). Returns the versions for the report.
import { execFileSync, spawnSync } from 'node:child_process';

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs nginx and haproxy with apt-get when either is missing; throws with the apt output. */
export function ensureProxiesInstalled(log: (line: string) => void): void {
  if (has('nginx') && has('haproxy')) return;
  log('installing nginx and haproxy (apt-get update && apt-get install -y nginx haproxy)…');
  const res = spawnSync(
    'sh',
    ['-c', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx haproxy'],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (res.status !== 0 || !has('nginx') || !has('haproxy')) {
    throw new Error(
      `could not install nginx and haproxy (exit ${res.status}); run as root: ` +
        `apt-get update && apt-get install -y nginx haproxy\n${(res.stderr ?? '').slice(-2000)}`,
    );
  }
}

/** `nginx/1.22.1`, `HAProxy 2.6.12`… (empty when the binary is missing). */
export function proxyVersions(): { nginx: string; haproxy: string } {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      // nginx -v prints to stderr
      return String((err as { stderr?: string }).stderr ?? '');
    }
  };
  const nginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return {
    nginx: `${nginx.stderr ?? ''}${nginx.stdout ?? ''}`.trim().replace(/^nginx version: /, ''),
    haproxy: run('haproxy', ['-v'])
      .split('\n')[0]
      .replace(/ - https?:.*$/, '')
      .trim(),
  };
}
