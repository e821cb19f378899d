import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHeapSpaceStatistics } from 'node:v8';
import { IdleGc } from '../../../runtime/frontend/idle-gc.ts';
import { waitUntil } from '../../helpers/wait.ts';

const MiB = 1024 * 1024;
const youngGeneration = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

/** What a burst of session opens does to V8: many objects that outlive several scavenges. */
async function burstOfSurvivors(): Promise<object[]> {
  const kept: object[] = [];
  for (let round = 0; round < 40 && youngGeneration() <= 32 * MiB; round++) {
    for (let i = 0; i < 50_000; i++) kept.push({ id: i, name: `session-${i}`, tags: [i, round] });
    await new Promise((r) => setImmediate(r));
  }
  return kept;
}

test('an idle process gets back the young generation a burst of long-lived objects grew', async (t) => {
  const kept = await burstOfSurvivors();
  const grown = youngGeneration();
  assert.ok(grown > 32 * MiB, `the burst grew the young generation (${grown / MiB} MiB)`);
  const idle = new IdleGc();
  idle.start();
  t.after(() => idle.stop());
  // Idle now: the sessions stay open (kept), nothing else allocates.
  const size = await waitUntil(
    () => (youngGeneration() <= 16 * MiB ? youngGeneration() : false),
    'the young generation to shrink back to its startup size',
    30_000,
    100,
  );
  assert.ok(size <= 16 * MiB);
  assert.ok(idle.nudges >= 1 && idle.nudges <= 8, `a few minor GCs asked for (${idle.nudges})`);
  assert.ok(kept.length > 0); // what the burst made is still alive: only the empty space went
});

test('no GC is asked for while the young generation is at its startup size', async (t) => {
  let calls = 0;
  const idle = new IdleGc(() => {
    calls++;
  });
  idle.start();
  t.after(() => idle.stop());
  await new Promise((r) => setTimeout(r, 2500));
  // The previous test left it shrunk (≤ 16 MiB): nothing to give back, so nothing is forced.
  assert.ok(youngGeneration() <= 16 * MiB);
  assert.equal(calls, 0);
});
