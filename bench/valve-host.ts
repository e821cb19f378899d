// Micro-benchmark: messages per second through the valve host (real child process) with 0, 1 and
// 3 trivial valves, for 100 sessions pushing batches of messages. Run: `node bench/valve-host.ts`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineEntryConfig } from '../runtime/config/model.ts';
import { silentLogger } from '../runtime/log.ts';
import { createMetrics } from '../runtime/metrics.ts';
import type {
  PipelineSession,
  SessionPipeline,
  ValveOutcome,
  WireMessage,
} from '../runtime/pipeline/types.ts';
import { ValveHost } from '../runtime/sandbox/valve-host.ts';

const SESSIONS = 100;
const PER_ROUND = 10; // messages per session per tick
const ROUNDS = Number(process.env.ROUNDS ?? 200);

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const passFile = join(dir, 'pass.js');
const upperFile = join(dir, 'touch.js');
writeFileSync(passFile, 'export function fromClient(msg, ctx) { ctx.state.n = (ctx.state.n ?? 0) + 1; }\n');
writeFileSync(
  upperFile,
  "export function fromClient(msg) { return msg.type === 'text' ? msg.data + '.' : undefined; }\n",
);

function entry(file: string): PipelineEntryConfig {
  return {
    valve: file,
    file,
    builtin: false,
    with: {},
    when: undefined,
    timeoutMs: 50,
    memoryMb: 64,
    onError: 'drop',
    isolate: 'shared',
  };
}

class CountingSession implements PipelineSession {
  readonly id: string;
  count = 0;
  target = 0;
  done: (() => void) | undefined;
  constructor(id: string) {
    this.id = id;
  }
  onPipelineResult(_d: unknown, _m: WireMessage, _o: ValveOutcome): void {
    if (++this.count === this.target) this.done?.();
  }
  onFailoverResult(): void {}
  onHookResult(): void {}
}

async function run(host: ValveHost, entries: PipelineEntryConfig[], label: string): Promise<void> {
  const built = await host.build(entries);
  let select: (id: string) => SessionPipeline;
  const info = (id: string) => ({
    id,
    path: '/',
    query: '',
    subprotocol: '',
    clientAddress: '127.0.0.1',
    headers: {},
    backend: { id: 'a', url: 'ws://127.0.0.1:1' },
  });
  if (entries.length === 0) {
    // no valves: the empty pipeline, which never touches the host (the baseline)
    select = () => ({
      empty: true,
      handlesFromClient: false,
      handlesFromBackend: false,
      open() {},
      push: (s, d, m) => s.onPipelineResult(d, m, {} as ValveOutcome),
      failover() {},
      close() {},
    });
  } else {
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    const v = built.version;
    select = (id) => v.selector().select(info(id));
  }
  const sessions = Array.from({ length: SESSIONS }, (_, k) => new CountingSession(`s${k}`));
  const pipes = sessions.map((s) => {
    const p = select(s.id);
    p.open(s, info(s.id));
    return p;
  });
  const msg: WireMessage = { data: Buffer.from('[2,"1","Heartbeat",{}]'), binary: false };
  const total = SESSIONS * PER_ROUND * ROUNDS;
  const all = Promise.all(
    sessions.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.target = PER_ROUND * ROUNDS;
          s.done = resolve;
        }),
    ),
  );
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < SESSIONS; k++)
      for (let i = 0; i < PER_ROUND; i++) pipes[k].push(sessions[k], 'fromClient', msg);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(10)} ${Math.round(total / s)
      .toLocaleString('en')
      .padStart(12)} msg/s  (${total} messages in ${s.toFixed(2)} s)`,
  );
}

const host = await ValveHost.start({
  logger: silentLogger,
  metrics: createMetrics({ instrumentation: false, defaultMetrics: false }),
});
try {
  await run(host, [], '0 valves');
  await run(host, [entry(passFile)], '1 valve');
  await run(host, [entry(passFile), entry(upperFile), entry(passFile)], '3 valves');
} finally {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
}
