// Child processes of the bench: every one is tracked and killed when the bench ends, however it
// ends (normal exit, error, Ctrl-C). Waiting on a child's output or port is bounded in time.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { connect } from 'node:net';

const live = new Set<ChildProcess>();

/** Spawns a tracked child; its stderr tail is kept for error messages. */
export function spawnTracked(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess & { tail: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }) as ChildProcess & {
    tail: () => string;
  };
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  // Output nobody reads must still be drained, or a chatty child blocks on a full pipe.
  child.stdout?.resume();
  child.tail = () => `${name}: ${tail.trim() || '(no stderr)'}`;
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Resolves with the first stdout line matching `re`; rejects if the child exits or time runs out. */
export function waitForLine(
  child: ChildProcess & { tail: () => string },
  re: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      const m = buf.match(re);
      if (m) finish(() => resolve(m));
      else buf = buf.slice(-4000);
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(() => reject(new Error(`exited (${signal ?? code}) before it was ready; ${child.tail()}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`not ready after ${timeoutMs} ms; ${child.tail()}`))),
      timeoutMs,
    );
    const finish = (then: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Resolves once 127.0.0.1:port accepts a TCP connection (polled every 20 ms, bounded). */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child && child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Kills every tracked child still running (SIGKILL; synchronous, safe in an exit handler). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** SIGTERM to every tracked child, SIGKILL to those still running after `graceMs`. */
export async function stopAll(graceMs: number): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, graceMs)));
}

const cleanups: (() => void)[] = [];

/** Runs `fn` (synchronous: removing a temp dir) when the bench ends, however it ends. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

function runCleanups(): void {
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

/** Makes sure no child outlives the bench, whichever way it ends. */
export function installCleanup(): void {
  process.once('exit', () => {
    killAll();
    runCleanups();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping every child process\n`);
      // SIGTERM first: nginx's master then stops and reaps its workers (a SIGKILLed master
      // leaves them as zombies)
      const hard = setTimeout(() => process.exit(130), 3000);
      stopAll(1500).finally(() => {
        clearTimeout(hard);
        process.exit(130);
      });
    });
  }
}
