// Starts the bench's echo backend (bench/echo-server.ts) as its own process.
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild, waitForLine } from '../procs.ts';

const ECHO_SERVER = fileURLToPath(new URL('../echo-server.ts', import.meta.url));

export interface EchoProcess {
  pid: number;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts one echo backend on a free port of 127.0.0.1. */
export async function startEcho(name = 'echo'): Promise<EchoProcess> {
  const child = spawnTracked(name, process.execPath, [ECHO_SERVER], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const m = await waitForLine(child, /\{"port":(\d+)\}/, 10_000);
  const port = Number(m[1]);
  return {
    pid: child.pid as number,
    port,
    url: `ws://127.0.0.1:${port}`,
    stop: () => stopChild(child),
  };
}
