// FAULTS.md §3.22, 24, 29 against `sluice run`: a config naming a missing valve (refused at
// startup; rejected on reload), valve saves that cannot load (a top level that throws, no hook,
// an init that runs past its timeout), and an unreadable valve (chmod 000). Each rejected reload
// keeps the last good version serving, says why in GET /pipeline and the log, and is counted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { assertRecovered, baseline } from './lib/invariants.ts';
import { tagOf, TAG_ENTRY, tagValve, waitTag } from './lib/reload.ts';
import { startWorld, type World } from './lib/setup.ts';
import { startProcessBackends } from '../helpers/process-backend.ts';

function valveWorld(t: { after(fn: () => Promise<void>): void }): Promise<World> {
  return startWorld(t, { backends: 1, pipeline: [TAG_ENTRY], files: { 'v.js': tagValve('v1') } });
}

test('a config naming a missing valve file: sluice run exits 1 naming the path, before opening a port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-missing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'sluice.yaml'),
    stringify({
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ url: 'ws://127.0.0.1:9' }] },
      pipeline: [{ valve: './valves/missing.js' }],
    }),
  );
  const r = await runCliToEnd(['run', 'sluice.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sluice\.yaml:\d+:\d+\s+pipeline\[0\]\.valve\s+.*missing\.js/);
  assert.doesNotMatch(r.stdout, /listening/);
});

test('a config reload naming a missing valve file is rejected; the old pipeline keeps serving', async (t) => {
  const w = await valveWorld(t);
  const probe = await w.sp.connect('/probe');
  const rejected = await w.sp.metric('sluice_reloads_total', { kind: 'config', result: 'rejected' });
  w.sp.writeConfig({ ...w.sp.config, pipeline: [{ valve: './gone.js' }] });
  const p = await w.sp.waitPipeline((x) => x.lastError !== undefined, 'lastError');
  assert.equal(p.lastError!.kind, 'config');
  assert.match(p.lastError!.message, /gone\.js/);
  assert.equal(
    await w.sp.metric('sluice_reloads_total', { kind: 'config', result: 'rejected' }),
    rejected + 1,
  );
  assert.equal(await tagOf(probe), 'v1');
  await assertRecovered(w.sp, w.base);
});

for (const [name, source, reason] of [
  [
    'a top level that throws',
    "throw new Error('boom at load');\nexport function fromClient() {}\n",
    /boom at load/,
  ],
  ['no hook at all', 'export const version = 2;\n', /hook/i],
  [
    'an init that runs past its timeout',
    'while (true) {}\nexport function fromClient() {}\n',
    /timeout|time/i,
  ],
] as const) {
  test(`a valve saved with ${name}: the reload is rejected, the old version keeps serving`, async (t) => {
    const w = await valveWorld(t);
    const probe = await w.sp.connect('/probe');
    const rejected = await w.sp.metric('sluice_reloads_total', { kind: 'valve', result: 'rejected' });
    w.sp.write('v.js', source);
    const p = await w.sp.waitPipeline((x) => x.lastError !== undefined, 'lastError', 10_000);
    assert.match(p.lastError!.message, reason);
    assert.match(p.lastError!.file, /v\.js$/);
    assert.equal(
      await w.sp.metric('sluice_reloads_total', { kind: 'valve', result: 'rejected' }),
      rejected + 1,
    );
    assert.equal(await tagOf(probe), 'v1');
    w.sp.write('v.js', tagValve('v2'));
    await waitTag(probe, 'v2');
    await assertRecovered(w.sp, w.base);
  });
}

test('chmod 000 as root changes nothing: root reads any file, so the same content keeps serving', async (t) => {
  // Documented behaviour, not a fault: the test runs as root, which ignores file modes.
  const w = await valveWorld(t);
  const probe = await w.sp.connect('/probe');
  const reloads = await w.sp.metric('sluice_reloads_total');
  chmodSync(w.sp.path('v.js'), 0o000);
  await sleep(500); // past the watcher's settle time: nothing may happen
  assert.equal(await tagOf(probe), 'v1');
  assert.equal(await w.sp.metric('sluice_reloads_total'), reloads, 'no reload: the content did not change');
  w.sp.write('v.js', tagValve('v2')); // root writes and reads a 000 file
  await waitTag(probe, 'v2');
  await assertRecovered(w.sp, w.base);
});

// The case runs Sluice as user nobody: that needs root to switch users, and a checkout whose
// node binary nobody may run (a clone inside a 0700 directory is not).
const nobodyRunsNode =
  process.getuid?.() === 0 &&
  spawnSync(process.execPath, ['--version'], { uid: 65534, gid: 65534, timeout: 10_000 }).status === 0;

test('chmod 000 for a non-root Sluice: EACCES is reported and the old version kept; readable again, it serves on', {
  skip: nobodyRunsNode
    ? false
    : `user nobody cannot run ${process.execPath} here (not root, or the checkout is not readable by others)`,
}, async (t) => {
  const [backend] = await startProcessBackends(t, 1);
  const sp = await startSluiceProcess(
    {
      config: { upstream: { backends: [{ id: 'a', url: backend.url }] }, pipeline: [TAG_ENTRY] },
      files: { 'v.js': tagValve('v1') },
      user: { uid: 65534, gid: 65534 }, // nobody
    },
    t,
  );
  const base = baseline(sp);
  const probe = await sp.connect('/probe');
  chmodSync(sp.path('v.js'), 0o000);
  const p = await sp.waitPipeline((x) => x.lastError !== undefined, 'lastError', 10_000);
  assert.match(p.lastError!.message, /EACCES|permission denied/i);
  assert.equal(await tagOf(probe), 'v1', 'the old version keeps serving');
  chmodSync(sp.path('v.js'), 0o644);
  writeFileSync(sp.path('v.js'), tagValve('v2'));
  await waitTag(probe, 'v2');
  await assertRecovered(sp, base);
});
