// CONTRACT.md §3 and FAULTS.md §3.11–12: valve code reaches nothing of Node or the host — no
// require, process, fetch, timers, WebAssembly, console or dynamic import(). The valve reports
// what it found as the message text, through a real Sluice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('escape attempts from inside a hook find nothing reachable', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'escape.js': fixture('escape.js') }, pipeline: [{ valve: './escape.js' }] },
    t,
  );
  const client = await vs.connect();
  // import('fs') from a hook; its promise settles after the hook, so report on a later message
  client.send('import');
  await client.waitFor(1);
  assert.equal(client.texts()[0], 'import tried');
  client.send('report');
  await client.waitFor(2);
  const found = JSON.parse(client.texts()[1]);
  assert.deepEqual(found, {
    require: 'undefined',
    process: 'undefined',
    thisProcess: 'threw TypeError', // hooks are called without a `this`
    ctxProcess: 'threw ReferenceError', // the sandbox's own Function: no `process` in it
    msgProcess: 'undefined',
    fetch: 'undefined',
    WebAssembly: 'undefined',
    setTimeout: 'undefined',
    console: 'undefined',
    dynamicImport: found.dynamicImport,
  });
  assert.match(found.dynamicImport, /^(rejected|threw) /, `import('fs') was ${found.dynamicImport}`);
});
