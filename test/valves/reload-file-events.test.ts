// FAULTS.md §3.25–28 and §4: however an editor saves a valve file, the watcher ends on its last
// content within a bounded wait (well under the 3 s safety-net rescan) and never installs a
// half-written or empty file; a deleted file keeps the last good version serving.
import assert from 'node:assert/strict';
import { truncateSync, unlinkSync } from 'node:fs';
import { test } from 'node:test';
import { ask, fixture, sha256, startValveSluice } from '../helpers/valve-sluice.ts';
import { delay } from '../helpers/wait.ts';

// below the FileWatcher's 3 s rescan: the save itself must have been seen
const LIVE_WITHIN_MS = 2500;

function versioned(v: number): string {
  return fixture('versioned.js').replace('const VERSION = 0;', `const VERSION = ${v};`);
}

function start(t: Parameters<typeof startValveSluice>[1]) {
  return startValveSluice(
    { valves: { 'v.js': versioned(0) }, pipeline: [{ valve: './v.js' }], watch: true },
    t,
  );
}

test('an atomic save (temp file renamed over) goes live with its content', async (t) => {
  const vs = await start(t);
  const client = await vs.connect();
  vs.writeAtomic('v.js', versioned(1));
  await vs.waitPipeline((p) => p.valves[0].sha256 === sha256(versioned(1)), 'v1 live', LIVE_WITHIN_MS);
  assert.equal(await ask(client, 'a'), 'a|v1|n1');
});

test('20 saves 5 ms apart end on the last content', async (t) => {
  const vs = await start(t);
  const client = await vs.connect();
  for (let v = 1; v <= 20; v++) {
    vs.write('v.js', versioned(v));
    await delay(5); // the save pattern under test
  }
  await vs.waitPipeline((p) => p.valves[0].sha256 === sha256(versioned(20)), 'v20 live', LIVE_WITHIN_MS);
  assert.equal(await ask(client, 'a'), 'a|v20|n1');
});

test('truncate then write: the empty file is never installed, the final content is', async (t) => {
  const vs = await start(t);
  const client = await vs.connect();
  const empty = sha256('');
  const installed = new Set<string>();
  truncateSync(vs.path('v.js'), 0);
  await delay(30); // the gap between the truncate and the write, as some editors leave it
  vs.write('v.js', versioned(1));
  await vs.waitPipeline(
    (p) => {
      installed.add(p.valves[0].sha256);
      return p.valves[0].sha256 === sha256(versioned(1));
    },
    'v1 live',
    LIVE_WITHIN_MS,
  );
  assert.equal(installed.has(empty), false, 'the empty file was never the running version');
  assert.equal(await vs.metric('sluice_reloads_total', { kind: 'valve', result: 'applied' }), 1);
  assert.equal(await ask(client, 'a'), 'a|v1|n1');
});

test('a deleted valve file: the last good version keeps serving, status "source missing"; recreated, it reloads', async (t) => {
  const vs = await start(t);
  const client = await vs.connect();
  assert.equal(await ask(client, 'a'), 'a|v0|n1');
  unlinkSync(vs.path('v.js'));
  const p = await vs.waitPipeline((x) => x.valves[0].status === 'source missing', 'status "source missing"');
  assert.equal(p.valves[0].sha256, sha256(versioned(0)), 'still the last good version');
  assert.equal(await ask(client, 'b'), 'b|v0|n2', 'and it keeps serving');
  assert.equal(client.closed, undefined);

  vs.write('v.js', versioned(1));
  await vs.waitPipeline(
    (x) => x.valves[0].sha256 === sha256(versioned(1)) && x.valves[0].status === 'running',
    'the recreated file live',
    LIVE_WITHIN_MS,
  );
  assert.equal(await ask(client, 'c'), 'c|v1|n3');
});
