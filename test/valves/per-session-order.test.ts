// CONTRACT.md §3: per session and direction, messages leave in the order they arrived — through
// two valves, with ten sessions at once, none lost, duplicated or reordered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, sendNumbered, startValveSluice } from '../helpers/valve-sluice.ts';

const SESSIONS = 10;
const MESSAGES = 2000;

test(`${SESSIONS} sessions × ${MESSAGES} numbered messages through 2 valves: no loss, no dup, no reorder`, async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'counter.js': fixture('counter.js'), 'tag.js': fixture('tag.js') },
      pipeline: [
        { valve: './counter.js', with: { name: 'seen' } },
        { valve: './tag.js', with: { tag: 't' } },
      ],
    },
    t,
  );
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => vs.connect()));
  clients.forEach((c, k) => {
    sendNumbered(c, `s${k}:`, 0, MESSAGES);
  });
  await Promise.all(clients.map((c) => c.waitFor(MESSAGES, 30_000)));
  clients.forEach((c, k) => {
    const got = c.texts();
    assert.equal(got.length, MESSAGES, `session ${k}: no message lost or duplicated`);
    for (let i = 0; i < MESSAGES; i++) {
      // counter.js numbers the messages in the order the valve saw them: it must be send order
      const expected = `s${k}:${i}#seen=${i + 1}>t<t`;
      if (got[i] !== expected) assert.fail(`session ${k}, message ${i}: got ${got[i]}, expected ${expected}`);
    }
  });
});
