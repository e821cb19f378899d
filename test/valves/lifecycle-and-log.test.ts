// CONTRACT.md §3: open() runs when the session is connected to a backend, close() when it ends,
// and ctx.log lines go to the proxy's log with the valve's name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('open() runs on connect, close() on the end, ctx.log lines reach the log with the valve name', async (t) => {
  const vs = await startValveSluice(
    { valves: { 'lifecycle.js': fixture('lifecycle.js') }, pipeline: [{ valve: './lifecycle.js' }] },
    t,
  );
  const backend = vs.backends[0];
  const client = await vs.connect();
  await client.waitFor(1);
  assert.equal(client.texts()[0], `opened on ${backend.id}`, 'open() injected its greeting first');
  const [session] = await vs.admin.sessions();

  await client.echo('hi');
  const info = await vs.waitLog((l) => l.msg === 'seen hi {"n":1}', 'the ctx.log.info line');
  assert.equal(info.valve, './lifecycle.js');
  assert.equal(info.level, 30);
  const warn = await vs.waitLog((l) => l.msg === 'careful', 'the ctx.log.warn line');
  assert.equal(warn.valve, './lifecycle.js');
  assert.equal(warn.level, 40);

  await client.close();
  const closed = await vs.waitLog((l) => l.msg === `closed ${session.id}`, 'the close() hook log line');
  assert.equal(closed.valve, './lifecycle.js');
});
