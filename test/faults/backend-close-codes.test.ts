// FAULTS.md §3.42 with real backend processes: a backend's 1000 or 4xxx reaches the client with
// its reason and nothing fails over; 1001, 1011, 1013, an empty close (1005) and a dropped TCP
// connection (1006) fail the session over to another backend, marked as a reconnect.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestClient } from '../helpers/client.ts';
import { waitUntil } from '../helpers/wait.ts';
import { assertRecovered, assertSameProcess } from './lib/invariants.ts';
import { reply } from './lib/numbered.ts';
import { Scope, startWorld, type World } from './lib/setup.ts';

describe('backend close codes', () => {
  const scope = new Scope();
  let w: World;
  before(async () => {
    w = await startWorld(scope);
  });
  after(async () => {
    try {
      await assertRecovered(w.sp, w.base);
    } finally {
      await scope.run();
    }
  });

  /** Opens a session on `path` and resolves with it and the id of the backend it is on. */
  async function session(path: string): Promise<{ c: TestClient; on: string }> {
    const c = await w.sp.connect(path);
    const first = await reply(c, 'hello');
    return { c, on: first.slice(0, first.indexOf('|')) };
  }

  for (const [code, reason] of [
    [1000, 'done'],
    [4001, 'app-specific'],
    [3000, 'framework'],
  ] as const) {
    test(`backend ${code} "${reason}" → the client gets ${code} "${reason}", no failover`, async () => {
      const failovers = await w.sp.metric('sluice_failovers_total');
      const path = `/pass-${code}`;
      const { c } = await session(path);
      c.send(`!close ${code} ${reason}`);
      assert.deepEqual(await c.waitClose(5000), { code, reason });
      assert.equal(await w.sp.metric('sluice_failovers_total'), failovers, 'no failover was attempted');
      const redials = w.backends.flatMap((b) => b.handshakes).filter((h) => h.path === path && h.reconnect);
      assert.deepEqual(redials, []);
      await c.close();
    });
  }

  for (const [code, command] of [
    [1001, '!close 1001 going-away'],
    [1011, '!close 1011 oops'],
    [1013, '!close 1013 later'],
    [1005, '!close'],
    [1006, '!destroy'],
  ] as const) {
    test(`backend ${code} → the session fails over to another backend, marked as a reconnect`, async () => {
      const path = `/failover-${code}`;
      const { c, on } = await session(path);
      const successes = await w.sp.metric('sluice_failovers_total', { result: 'success' });
      c.send(command);
      // the new backend's handshake carries the reconnect header; after it, messages flow there
      const others = w.backends.filter((b) => b.options.id !== on);
      await waitUntil(
        () => others.some((b) => b.handshakes.some((h) => h.path === path && h.reconnect === '1')),
        'a reconnect handshake on another backend',
        5000,
      );
      const answer = await reply(c, 'after');
      assert.notEqual(answer.slice(0, answer.indexOf('|')), on, `still answered by ${on}`);
      assert.equal(answer.slice(answer.indexOf('|') + 1), 'after');
      assert.equal(c.closed, undefined, 'the client never noticed');
      assert.equal(await w.sp.metric('sluice_failovers_total', { result: 'success' }), successes + 1);
      assertSameProcess(w.sp, w.base);
      await c.close();
    });
  }
});
