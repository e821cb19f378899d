// Starts a target by its table name, each in its own temp dir.
import { join } from 'node:path';
import type { EchoProcess } from './echo.ts';
import { startHaproxy } from './haproxy.ts';
import { startNginx } from './nginx.ts';
import { type SluiceChoice, startSluice } from './sluice.ts';
import { directTarget, type Target } from './target.ts';

let instance = 0;

/** Starts `name` (direct, nginx, haproxy, sluice-0v, sluice-1v, sluice-3v) in front of `echo`. */
export async function startTarget(
  name: string,
  tmp: string,
  echo: EchoProcess,
  sluice: SluiceChoice = {},
): Promise<Target> {
  const dir = join(tmp, `${name}-${++instance}`);
  switch (name) {
    case 'direct':
      return directTarget(`${echo.url}/`);
    case 'nginx':
      return startNginx(dir, echo.port);
    case 'haproxy':
      return startHaproxy(dir, echo.port);
    case 'sluice-0v':
    case 'sluice-1v':
    case 'sluice-3v': {
      const valves = Number(name[7]) as 0 | 1 | 3;
      return startSluice(dir, { valves, backends: [{ id: 'echo', url: echo.url }], ...sluice });
    }
    default:
      throw new Error(`unknown target ${name}`);
  }
}
