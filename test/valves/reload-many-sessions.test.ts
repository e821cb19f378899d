// DESIGN "hot reload": a reload moves sessions onto the new version a chunk at a time, so that no
// single batch holds up every session's traffic. With more sessions than one chunk, every session
// still ends up on the new version by the time POST /pipeline/reload answers, with its ctx.state,
// and messages sent while the reload runs are answered in order, none lost or duplicated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';

const SESSIONS = 80; // more than the 32 moved per batch
const BEFORE = 3;
const DURING = 20;

function versioned(v: number): string {
  return fixture('versioned.js').replace('const VERSION = 0;', `const VERSION = ${v};`);
}

test(`a reload with ${SESSIONS} sessions moves every one, state and order kept`, async (t) => {
  const vs = await startValveSluice(
    { valves: { 'v.js': versioned(0) }, pipeline: [{ valve: './v.js' }], watch: false },
    t,
  );
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => vs.connect()));
  clients.forEach((c, k) => {
    for (let i = 0; i < BEFORE; i++) c.send(`s${k}-${i}`);
  });
  await Promise.all(clients.map((c) => c.waitFor(BEFORE, 10_000)));
  const before = await vs.pipeline();

  vs.write('v.js', versioned(1));
  const reloaded = vs.admin.action('/pipeline/reload');
  // traffic while the sessions move: one message per session per turn of the event loop
  for (let i = BEFORE; i < BEFORE + DURING; i++) {
    for (const [k, c] of clients.entries()) c.send(`s${k}-${i}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await reloaded, { status: 200, result: 'success', reason: undefined });
  // every session is on the new version once the reload has answered
  for (const [k, c] of clients.entries()) c.send(`s${k}-${BEFORE + DURING}`);
  const total = BEFORE + DURING + 1;
  await Promise.all(clients.map((c) => c.waitFor(total, 10_000)));

  clients.forEach((c, k) => {
    const got = c.texts();
    assert.equal(got.length, total, `session ${k}: one answer per message`);
    let previous = 0;
    got.forEach((text, i) => {
      const m = /^s(\d+)-(\d+)\|v(\d+)\|n(\d+)$/.exec(text);
      if (!m || Number(m[1]) !== k || Number(m[2]) !== i) assert.fail(`session ${k} #${i}: got ${text}`);
      const version = Number(m[3]);
      if (version < previous) assert.fail(`session ${k} #${i}: v${version} after v${previous}`);
      if (Number(m[4]) !== i + 1) assert.fail(`session ${k} #${i}: count ${m[4]}: ctx.state was not carried`);
      previous = version;
    });
    assert.equal(previous, 1, `session ${k}: on the new version after the reload`);
    assert.equal(c.closed, undefined, `session ${k} stayed open`);
  });
  // the old version's isolate goes once no session is left on it
  await waitUntil(
    async () => {
      const live = ((await vs.pipeline()) as { liveVersions?: number[] }).liveVersions ?? [];
      return live.length === 1 && live[0] !== before.version;
    },
    'only the new version live',
    5000,
  );
});
