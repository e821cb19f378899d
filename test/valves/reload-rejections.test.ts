// CONTRACT.md §2: a hot-reloaded valve or config that is invalid is rejected whole — the last good
// version keeps serving, and the error is logged, counted in sluice_reloads_total{result="rejected"}
// and shown by GET /pipeline with file, line and column; a reload that changes a listen address
// is rejected naming the key.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ask, fixture, startValveSluice } from '../helpers/valve-sluice.ts';

function versioned(v: number): string {
  return fixture('versioned.js').replace('const VERSION = 0;', `const VERSION = ${v};`);
}

const BROKEN = 'export function fromClient(msg) {\n  return msg.data +;\n}\n';

test('a syntax error keeps the old version, shows lastError with its position, and the fix recovers', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'v.js': versioned(0) }, pipeline: [{ valve: './v.js' }], watch: true },
    t,
  );
  const client = await vs.connect();
  assert.equal(await ask(client, 'a'), 'a|v0|n1');
  const good = await vs.pipeline();

  vs.write('v.js', BROKEN);
  const rejected = await vs.waitPipeline(
    (p) => p.lastError !== undefined,
    'the rejected reload in /pipeline',
  );
  const e = rejected.lastError!;
  assert.equal(e.kind, 'valve');
  assert.equal(e.file, vs.path('v.js'));
  assert.equal(e.line, 2);
  assert.ok(e.column > 0, `column ${e.column}`);
  assert.match(e.message, /SyntaxError/);
  assert.equal(rejected.version, good.version, 'the old version is still the current one');
  assert.equal(rejected.valves[0].sha256, good.valves[0].sha256);
  assert.equal(await vs.metric('sluice_reloads_total', { kind: 'valve', result: 'rejected' }), 1);
  await vs.waitLog((l) => /reload rejected/.test(String(l.msg)) && l.line === 2, 'the rejection logged');
  assert.equal(await ask(client, 'b'), 'b|v0|n2', 'the last good version keeps serving');

  vs.write('v.js', versioned(1));
  const fixed = await vs.waitPipeline((p) => (p.version ?? 0) > (good.version ?? 0), 'the fix applied');
  assert.equal(fixed.lastError, undefined, 'the error is cleared');
  assert.equal(await ask(client, 'c'), 'c|v1|n3');
  assert.equal(client.closed, undefined);
});

test('a config reload that changes a listen address is rejected naming the key', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'v.js': versioned(0) },
      pipeline: [{ valve: './v.js' }],
      watch: true,
      configFile: true,
    },
    t,
  );
  const client = await vs.connect();
  assert.equal(await ask(client, 'a'), 'a|v0|n1');
  const file = vs.configPath!;
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.server.frontend.address = '127.0.0.1:1';
  writeFileSync(file, JSON.stringify(config, null, 2));

  const p = await vs.waitPipeline((x) => x.lastError !== undefined, 'the rejected config reload');
  assert.equal(p.lastError?.kind, 'config');
  assert.equal(p.lastError?.file, file);
  assert.match(p.lastError?.message ?? '', /server\.frontend\.address/);
  assert.match(p.lastError?.message ?? '', /restart/);
  assert.equal(await vs.metric('sluice_reloads_total', { kind: 'config', result: 'rejected' }), 1);
  assert.equal(await ask(client, 'b'), 'b|v0|n2', 'the running config and pipeline keep serving');
  const another = await vs.connect();
  assert.equal(await ask(another, 'new'), 'new|v0|n1', 'the frontend still listens where it did');
});
