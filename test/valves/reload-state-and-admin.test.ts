// CONTRACT.md §3 and §5: ctx.state survives a hot reload of its valve; POST /pipeline/reload
// forces a reload (here with file watching off, so nothing else could have reloaded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ask, fixture, sha256, startValveSluice } from '../helpers/valve-sluice.ts';

function versioned(v: number): string {
  return fixture('versioned.js').replace('const VERSION = 0;', `const VERSION = ${v};`);
}

test('ctx.state survives a hot reload of the valve', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'v.js': versioned(0) }, pipeline: [{ valve: './v.js' }], watch: true },
    t,
  );
  const one = await vs.connect();
  const two = await vs.connect();
  assert.equal(await ask(one, 'a'), 'a|v0|n1');
  assert.equal(await ask(one, 'b'), 'b|v0|n2');
  assert.equal(await ask(two, 'c'), 'c|v0|n1');
  vs.write('v.js', versioned(1));
  await vs.waitPipeline((p) => p.valves[0].sha256 === sha256(versioned(1)), 'v1 live');
  assert.equal(await ask(one, 'd'), 'd|v1|n3', 'the new version counts on from the old state');
  assert.equal(await ask(two, 'e'), 'e|v1|n2');
});

test('POST /pipeline/reload reloads the valve files', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'v.js': versioned(0) }, pipeline: [{ valve: './v.js' }], watch: false },
    t,
  );
  const client = await vs.connect();
  assert.equal(await ask(client, 'a'), 'a|v0|n1');
  vs.write('v.js', versioned(1));
  assert.equal(await ask(client, 'b'), 'b|v0|n2', 'not watching: the old version until asked');
  const before = await vs.pipeline();
  const r = await vs.admin.action('/pipeline/reload');
  assert.deepEqual(r, { status: 200, result: 'success', reason: undefined });
  const after = await vs.pipeline();
  assert.ok((after.version ?? 0) > (before.version ?? 0), 'a new version');
  assert.equal(after.valves[0].sha256, sha256(versioned(1)));
  assert.equal(await ask(client, 'c'), 'c|v1|n3');
  assert.equal(await vs.metric('sluice_reloads_total', { kind: 'valve', result: 'applied' }), 1);
});
