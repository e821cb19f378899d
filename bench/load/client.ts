// A load-generator process (forked by the runner with an IPC channel): runs one job at a time and
// answers with its result. `node bench/load/client.ts` — not meant to be started by hand.
import type WebSocket from 'ws';
import { runClosed } from './closed-loop.ts';
import { openMany, terminateAll } from './connect.ts';
import { prepareFailover } from './failover-loop.ts';
import { runOpen } from './open-loop.ts';
import type { LoadCommand, LoadJob, LoadReply, LoadResult, MarkPhase } from './protocol.ts';

if (!process.send) {
  process.stderr.write('bench/load/client.ts is started by bench/run.ts (it needs an IPC channel)\n');
  process.exit(2);
}

const reply = (msg: LoadReply) => process.send?.(msg);
const mark = (phase: MarkPhase) => reply({ type: 'mark', phase });
let release: (() => void) | undefined;

function released(): Promise<void> {
  return new Promise((resolve) => {
    release = resolve;
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'closed':
      return runClosed(job, mark);
    case 'open':
      return runOpen(job, mark);
    case 'idle': {
      const t0 = performance.now();
      const opened = await openMany(job.url, job.conns, 128, 120_000);
      const result = {
        kind: 'idle' as const,
        opened: opened.sockets.length,
        failed: opened.failed,
        ms: performance.now() - t0,
      };
      let lost = 0;
      for (const ws of opened.sockets as WebSocket[]) ws.on('close', () => lost++);
      reply({ type: 'opened', result });
      await released();
      terminateAll(opened.sockets);
      return { ...result, failed: result.failed + lost };
    }
    case 'failover': {
      const go = await prepareFailover(job);
      reply({ type: 'opened', result: { kind: 'idle', opened: job.conns, failed: 0, ms: 0 } });
      await released();
      return go();
    }
  }
}

process.on('message', (cmd: LoadCommand) => {
  if (cmd.type === 'release') {
    release?.();
    return;
  }
  run(cmd.job).then(
    (result) => reply({ type: 'done', result }),
    (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
// The runner went away: stop at once.
process.on('disconnect', () => process.exit(0));
