// `sluice test --watch`: runs the tests, then again whenever a test file, a config or a valve file
// it read changes (FileWatcher: folder watching, settle time, content hashes), or a test file is
// added or removed. Ends when `signal` aborts, with the exit code of the last run.
import { FileWatcher } from '../watch/file-watcher.ts';
import { findTestFiles } from './discover.ts';
import { type RunOptions, runPipelineTests } from './runner.ts';

export interface WatchOptions extends RunOptions {
  signal: AbortSignal;
  /** How often the folders are searched again for new or removed test files (default 1 s). */
  rediscoverMs?: number;
}

/** Runs the tests under `paths` on every change until `signal` aborts; resolves with the last exit code. */
export async function watchPipelineTests(paths: string[], options: WatchOptions): Promise<number> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const cwd = options.cwd ?? process.cwd();
  let last = 0;
  let known = '';
  let running = false;
  let again = false;
  const watcher = new FileWatcher({ onChange: () => void trigger() });

  async function runOnce(): Promise<void> {
    const found = await findTestFiles(paths, cwd);
    if (!found.ok) {
      write(`sluice test: not found: ${found.missing.join(', ')}`);
      last = 2;
      return;
    }
    known = found.files.join('\n');
    if (found.files.length === 0) {
      write(`no *.test.yaml files under ${paths.length > 0 ? paths.join(', ') : cwd} yet`);
      last = 1;
    } else {
      const summary = await runPipelineTests(found.files, { ...options, write });
      last = summary.failed > 0 ? 1 : 0;
      await watcher.track(summary.files);
    }
    write('watching for changes (Ctrl-C to stop)');
  }

  async function trigger(): Promise<void> {
    if (options.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await runOnce();
      } while (again && !options.signal.aborted);
    } finally {
      running = false;
    }
  }

  const rediscover = setInterval(() => {
    void findTestFiles(paths, cwd).then((found) => {
      if (found.ok && found.files.join('\n') !== known && !running) void trigger();
    });
  }, options.rediscoverMs ?? 1000);
  await trigger();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(rediscover);
  await watcher.close();
  return last;
}
