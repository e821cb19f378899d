// CONTRACT.md §3 and FAULTS.md §3.5: the valve host child process dying mid-traffic (SIGKILL, as
// V8 aborting on a catastrophic OOM would) costs no session: the batch in flight gets its
// valves' on-error exactly once, the host is restarted and counted, and later messages pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixture, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';

/** CPU time (user + system, in clock ticks) the process `pid` has used. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

test('SIGKILL of the valve host mid-traffic: sessions stay open, in-flight messages get on-error once', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'busy.js': fixture('busy.js') },
      pipeline: [{ valve: './busy.js', timeout: '3s', 'on-error': 'pass' }],
    },
    t,
  );
  const backend = vs.backends[0];
  const { hostPid } = await vs.pipeline();
  assert.ok(hostPid);
  const holder = await vs.connect();
  const talkers = await Promise.all([vs.connect(), vs.connect()]);
  holder.send('warm');
  await holder.waitFor(1);

  // two sessions talk one message at a time, before, during and after the crash
  let stop = false;
  const sent = [0, 0];
  const talking = talkers.map(async (c, k) => {
    for (let i = 0; !stop && i < 5000; i++) {
      c.send(`t${k}-${i}`);
      sent[k]++;
      await c.waitFor(i + 1, 10_000);
    }
  });

  try {
    const baseline = cpuTicks(hostPid);
    holder.send('hold');
    // the host is now busy with the batch holding 'hold' (at least 200 ms of CPU since)
    await waitUntil(() => cpuTicks(hostPid) - baseline >= 20, 'the valve host running the hold', 5000, 10);
    process.kill(hostPid, 'SIGKILL');
    await holder.waitFor(2);
    assert.equal(holder.texts()[1], 'hold', 'in flight: on-error pass, the original went on');
    const after = await vs.waitPipeline(
      (p) => p.hostPid !== undefined && p.hostPid !== hostPid,
      'a new valve host process',
    );
    assert.equal(after.hostRestarts, 1);
    holder.send('later');
    await holder.waitFor(3);
    assert.equal(holder.texts()[2], 'later:ok', 'later messages pass the rebuilt valve');
  } finally {
    stop = true;
    await Promise.all(talking);
  }

  let raw = 1; // 'hold'
  talkers.forEach((c, k) => {
    const got = c.texts();
    assert.equal(got.length, sent[k], `talker ${k}: every message answered once`);
    got.forEach((text, i) => {
      assert.ok(text === `t${k}-${i}:ok` || text === `t${k}-${i}`, `talker ${k} #${i}: ${text}`);
      if (!text.endsWith(':ok')) raw++;
    });
  });
  const crashErrors = await vs.metric('sluice_valve_errors_total', {
    valve: './busy.js',
    kind: 'host-crash',
  });
  assert.equal(crashErrors, raw, 'each in-flight message got on-error exactly once');
  assert.equal(await vs.metric('sluice_valve_host_restarts_total'), 1);
  for (const c of [holder, ...talkers]) assert.equal(c.closed, undefined, 'no session closed');
  assert.equal((await vs.admin.sessions()).length, 3);
  await waitBackendText(backend, 'later:ok');
  assert.equal(backend.received.filter((m) => m.data.toString().startsWith('hold')).length, 1);
});
