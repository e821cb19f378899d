// Runs an example's own scripts (backends, clients) and Sluice on the example's sluice.yaml as child
// processes, as its README does, and waits on what they print. Every wait is bounded and names
// what it waited for; every process is SIGKILLed by `stop()` (and when the test process exits).
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli-process.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface ExampleProcess {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** The output's lines matching `re`. */
  lines(re: RegExp): string[];
  /** Resolves with the first match of `re` in the output, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves once `re` matches `n` lines of the output, or rejects after `ms`. */
  waitForLines(re: RegExp, n: number, ms?: number): Promise<string[]>;
  /** Writes a line to the process's stdin. */
  writeLine(line: string): void;
  /** Resolves with the exit code (null when killed by a signal), or rejects after `ms`. */
  exit(ms?: number): Promise<number | null>;
  /** SIGKILL, if still running. */
  stop(): void;
}

function watch(child: ChildProcess, what: string): ExampleProcess {
  running.add(child);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    events.emit('output');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let code: number | null | undefined;
  // 'close', not 'exit': it comes after the last output
  child.on('close', (c) => {
    code = c;
    running.delete(child);
    events.emit('output');
  });
  const lines = (re: RegExp) => out.split('\n').filter((l) => re.test(l));
  // resolves with check()'s first value other than undefined, re-checked on every output
  const waitOutput = <T>(check: () => T | undefined, ms: number, wanted: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onOutput = () => {
        const found = check();
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (code !== undefined) fail(`${what} exited (${code}) before ${wanted}`);
      };
      const finish = () => {
        clearTimeout(timer);
        events.off('output', onOutput);
      };
      const fail = (why: string) => {
        finish();
        reject(new Error(`${why}; its output:\n${out}`));
      };
      const timer = setTimeout(() => fail(`timed out after ${ms} ms waiting for ${wanted} from ${what}`), ms);
      events.on('output', onOutput);
      onOutput();
    });
  return {
    child,
    output: () => out,
    lines,
    waitFor: (re, ms = 10_000) => waitOutput(() => out.match(re) ?? undefined, ms, String(re)),
    waitForLines: (re, n, ms = 10_000) =>
      waitOutput(
        () => {
          const l = lines(re);
          return l.length >= n ? l : undefined;
        },
        ms,
        `${n} lines matching ${re}`,
      ),
    writeLine: (line) => child.stdin?.write(`${line}\n`),
    exit: (ms = 10_000) =>
      waitOutput(() => (code === undefined ? undefined : { code }), ms, 'its exit').then((r) => r.code),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Starts `node <example script> ...args` from the repository root (as `npx node examples/…` does). */
export function startScript(script: string, args: string[] = []): ExampleProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watch(child, script);
}

/** Starts a backend script on a free port and resolves with it and its ws:// base URL. */
export async function startBackend(
  script: string,
  args: string[] = [],
): Promise<{ proc: ExampleProcess; url: string }> {
  const proc = startScript(script, ['--port', '0', ...args]);
  const [, port] = await proc.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)/);
  return { proc, url: `ws://127.0.0.1:${port}` };
}

/**
 * Runs `sluice run CONFIG --no-watch` on free ports, with `env` (backend URLs) substituted into the
 * config; with no config (`npm start`), the embedded quickstart.
 */
export async function startSluice(
  config: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<{ proc: ExampleProcess; url: string; adminUrl: string }> {
  const args = config === undefined ? ['run', '--no-watch'] : ['run', config, '--no-watch'];
  const run = runCli(args, {
    cwd: REPO,
    env: { FE_ADDR: '127.0.0.1:0', ADM_ADDR: '127.0.0.1:0', ...env },
  });
  const proc = watch(run.child, `sluice ${args.join(' ')}`);
  // `listening on ws://…/ (admin http://…/)`; the quickstart prints `behind ws://…/` and `curl http://…/`
  const [, port] = await proc.waitFor(/(?:listening on|behind) ws:\/\/127\.0\.0\.1:(\d+)\//);
  const admin = await proc.waitFor(/(?:admin|curl) http:\/\/127\.0\.0\.1:(\d+)\//);
  const adminPort = admin[1];
  return { proc, url: `ws://127.0.0.1:${port}`, adminUrl: `http://127.0.0.1:${adminPort}` };
}
