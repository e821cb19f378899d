// Fuzzes a real Sluice process for a while: random and mutated WebSocket frames and upgrade
// heads at the frontend, random admin requests, and mutated config files through the loader,
// `sluice check` and a hot reload of the running process. A crash (the process exits), a hang (an
// input without an answer within its bound, or /healthz not answering) or a 5xx from the admin
// API is a failure: printed with the seed and the input (saved under a temp dir); exit 1.
//
//   npm run fuzz -- --seconds 60 [--seed N] [--parallel 4]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ProcessBackend, startProcessBackends } from '../test/helpers/process-backend.ts';
import { type SluiceProcess, startSluiceProcess } from '../test/helpers/process-sluice.ts';
import {
  configMutation,
  type Finding,
  type ProbeResult,
  probeAdmin,
  probeConfigCheck,
  probeConfigLoad,
  probeFrames,
  probeHandshake,
} from '../test/faults/lib/fuzz-run.ts';
import { Rng } from '../test/faults/lib/rng.ts';
import { Scope } from '../test/faults/lib/setup.ts';

const READ_TIMEOUT_MS = 1000;
const KINDS = [
  ['frames', 35],
  ['handshake', 20],
  ['admin', 30],
  ['config-load', 10],
  ['config-check', 2],
  ['config-reload', 3],
] as const;
type Kind = (typeof KINDS)[number][0];

const VALVE =
  'export function fromClient(msg) {\n  return msg.type === "text" ? "v:" + msg.data : undefined;\n}\n';

interface World {
  sp: SluiceProcess;
  backends: ProcessBackend[];
  configText: string;
  backendConfigs: Record<string, unknown>[];
}

async function startWorld(scope: Scope): Promise<World> {
  const backends = await startProcessBackends(scope, 2);
  const sp = await startSluiceProcess(
    {
      config: {
        server: {
          frontend: { 'read-timeout': `${READ_TIMEOUT_MS}ms` },
          compression: true,
          'max-message-size': '64KiB',
          'logging-level': 'warn',
        },
        upstream: {
          backends: backends.map((b) => ({ id: b.options.id, url: b.url, 'handshake-timeout': '1s' })),
          'failover-timeout': '1s',
        },
        pipeline: [{ valve: './v.js', timeout: '50ms', 'on-error': 'pass' }],
      },
      files: { 'v.js': VALVE },
    },
    scope,
  );
  const configs = await Promise.all(backends.map((b) => sp.admin.config(b.options.id)));
  return {
    sp,
    backends,
    configText: readFileSync(sp.path('sluice.yaml'), 'utf8'),
    backendConfigs: configs as unknown as Record<string, unknown>[],
  };
}

function pickKind(rng: Rng): Kind {
  const total = KINDS.reduce((n, [, w]) => n + w, 0);
  let r = rng.int(total);
  for (const [kind, w] of KINDS) {
    if (r < w) return kind;
    r -= w;
  }
  return 'frames';
}

/** Undoes what admin fuzzing may have done: paused frontends, disabled or deleted backends. */
async function restore(w: World): Promise<void> {
  const fronts = (await w.sp.admin.get<{ id: string }[]>('/frontend/list')).json ?? [];
  for (const f of fronts) await w.sp.admin.post(`/frontend/resume/${encodeURIComponent(f.id)}`);
  const list = await w.sp.admin.backends();
  for (const cfg of w.backendConfigs) {
    const id = String(cfg.id);
    if (!list.some((b) => b.id === id)) await w.sp.admin.post('/backend/add', cfg);
    await w.sp.admin.post(`/backend/enable/${encodeURIComponent(id)}`);
    await w.sp.admin.post(`/backend/reset/${encodeURIComponent(id)}`);
  }
}

/** /healthz answers within 2 s. */
async function healthy(w: World): Promise<boolean> {
  try {
    const r = await fetch(`${w.sp.admin.base}/healthz`, { signal: AbortSignal.timeout(2000) });
    await r.text();
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Writes a mutated config into the running process, then the original back; it must serve on. */
async function probeReload(w: World, rng: Rng): Promise<ProbeResult> {
  const mutated = configMutation(rng, w.configText);
  writeFileSync(w.sp.path('sluice.yaml'), mutated);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const finding = (await healthy(w))
    ? undefined
    : { kind: 'hang', detail: '/healthz after a config reload', input: mutated };
  writeFileSync(w.sp.path('sluice.yaml'), w.configText);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return finding;
}

async function probe(w: World, rng: Rng, kind: Kind, ids: string[], scratch: string): Promise<ProbeResult> {
  if (kind === 'frames') return probeFrames(w.sp.url, rng);
  if (kind === 'handshake') return probeHandshake(w.sp.url, rng, READ_TIMEOUT_MS);
  if (kind === 'admin') return probeAdmin(w.sp.admin.base, rng, ids);
  if (kind === 'config-load') return probeConfigLoad(rng, w.configText, w.sp.path('sluice.yaml'));
  if (kind === 'config-check') return probeConfigCheck(rng, w.configText, join(scratch, 'check.yaml'));
  return probeReload(w, rng);
}

/** Runs the fuzzer with `parallel` workers; resolves with the number of failures. */
export async function runFuzz(
  seconds: number,
  seed: number,
  parallel = 4,
  log = (line: string) => console.log(line),
): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));
  const scope = new Scope();
  const counts = new Map<string, number>();
  const failures: Finding[] = [];
  let stop = false;
  const record = (where: string, f: Finding) => {
    const file = join(out, `failure-${failures.length}.json`);
    const input = Buffer.isBuffer(f.input) ? { base64: f.input.toString('base64') } : f.input;
    writeFileSync(file, JSON.stringify({ seed, where, kind: f.kind, detail: f.detail, input }, null, 2));
    failures.push(f);
    if (failures.length >= 20) stop = true;
    log(`FAIL seed=${seed} ${where} ${f.kind}: ${f.detail.split('\n')[0]} (input: ${file})`);
  };
  log(`fuzz: seed ${seed}, ${seconds} s, ${parallel} workers, inputs of failures go to ${out}`);
  try {
    const w = await startWorld(scope);
    const deadline = performance.now() + seconds * 1000;
    let inputs = 0;
    // Each worker has its own Rng (seed + worker), so a worker's inputs are reproducible.
    const worker = async (n: number) => {
      const rng = new Rng(seed + n * 7919);
      for (let i = 1; !stop && performance.now() < deadline; i++) {
        const kind = pickKind(rng);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        inputs++;
        const ids = ['a', 'b', 'fe', ...(await sessionIds(w))];
        let result: ProbeResult;
        try {
          result = await probe(w, rng, kind, ids, join(out, `w${n}`));
        } catch (err) {
          // a probe that could not even connect: only a failure if the process is gone
          result = w.sp.alive() ? 'skip' : { kind: 'crash', detail: String(err), input: kind };
        }
        if (result && result !== 'skip') record(`worker=${n} input=${i}`, result);
        if (result === 'skip' || kind === 'admin') await restore(w).catch(() => undefined);
      }
    };
    // The monitor: the process must stay alive and /healthz must answer, all the time.
    const monitor = async () => {
      while (!stop && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (!w.sp.alive()) {
          record('monitor', {
            kind: 'crash',
            detail: `the Sluice process exited:\n${w.sp.output()}`,
            input: 'see the log',
          });
          stop = true;
        } else if (!(await healthy(w))) {
          record('monitor', {
            kind: 'hang',
            detail: '/healthz did not answer within 2 s',
            input: 'see the log',
          });
          stop = true;
        }
      }
    };
    for (let n = 0; n < parallel; n++) mkdirSync(join(out, `w${n}`));
    await Promise.all([monitor(), ...Array.from({ length: parallel }, (_, n) => worker(n))]);
    const summary = [...counts].map(([k, c]) => `${k} ${c}`).join(', ');
    log(
      `fuzz: ${inputs} inputs (${summary}), ${failures.length} failures, Sluice pid ${w.sp.pid} alive: ${w.sp.alive()}`,
    );
  } finally {
    await scope.run();
    if (failures.length === 0) rmSync(out, { recursive: true, force: true });
  }
  return failures.length;
}

async function sessionIds(w: World): Promise<string[]> {
  try {
    return (await w.sp.admin.sessions()).slice(0, 3).map((s) => s.id);
  } catch {
    return [];
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string' },
      parallel: { type: 'string', default: '4' },
    },
  });
  const seconds = Number(values.seconds);
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(seed)) {
    console.error('usage: npm run fuzz -- --seconds 60 [--seed N]');
    process.exit(2);
  }
  const failures = await runFuzz(seconds, seed, Math.max(1, Number(values.parallel) || 1));
  process.exit(failures > 0 ? 1 : 0);
}
