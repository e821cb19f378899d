// The runner's side of a load-generator process: fork it, hand it a job, follow its marks, get
// its result. Every wait is bounded.
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild } from '../procs.ts';
import type { IdleResult, LoadCommand, LoadJob, LoadReply, LoadResult, MarkPhase } from './protocol.ts';

const CLIENT = fileURLToPath(new URL('./client.ts', import.meta.url));

export class LoadProcess {
  readonly pid: number;
  private readonly child: ReturnType<typeof spawnTracked>;

  private constructor(child: ReturnType<typeof spawnTracked>) {
    this.child = child;
    this.pid = child.pid as number;
  }

  /** Forks one load-generator process. */
  static start(name = 'load'): LoadProcess {
    return new LoadProcess(
      spawnTracked(name, process.execPath, [CLIENT], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
    );
  }

  /**
   * Runs `job`; `onMark` hears the measured window start and end, `onOpened` that an idle or
   * failover job has its sessions open (it then waits for release()).
   */
  run(
    job: LoadJob,
    timeoutMs: number,
    hooks: { onMark?: (phase: MarkPhase) => void; onOpened?: (r: IdleResult) => void } = {},
  ): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`load job ${job.kind} did not finish in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (msg: LoadReply) => {
        if (msg.type === 'mark') hooks.onMark?.(msg.phase);
        else if (msg.type === 'opened') hooks.onOpened?.(msg.result);
        else if (msg.type === 'done') done(undefined, msg.result);
        else done(new Error(`load generator: ${msg.message}`));
      };
      const onExit = (code: number | null) =>
        done(new Error(`load generator exited (${code}); ${this.child.tail()}`));
      const done = (err: Error | undefined, result?: LoadResult) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(result as LoadResult);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.send({ type: 'run', job });
    });
  }

  /** Lets an idle job close its sessions, or a failover job start its load. */
  release(): void {
    this.send({ type: 'release' });
  }

  stop(): Promise<void> {
    return stopChild(this.child, 1000);
  }

  private send(cmd: LoadCommand): void {
    this.child.send?.(cmd);
  }
}
