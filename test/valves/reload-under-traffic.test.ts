// CONTRACT.md §2–3, DESIGN "hot reload" and FAULTS.md §3.47: saving a valve file while sessions
// send continuously swaps every session to the new version without closing one, and without
// losing, duplicating or reordering a message; versions never go backwards within a session and
// ctx.state comes along.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestClient } from '../helpers/client.ts';
import { fixture, sha256, startValveSluice } from '../helpers/valve-sluice.ts';
import { waitUntil } from '../helpers/wait.ts';

const SESSIONS = 5;
const RELOADS = 10;
const WINDOW = 5; // messages in flight per session

/** versioned.js with its VERSION set to `v`. */
function versioned(v: number): string {
  return fixture('versioned.js').replace('const VERSION = 0;', `const VERSION = ${v};`);
}

test(`${RELOADS} reloads while ${SESSIONS} sessions send: nothing lost, duplicated, reordered or closed`, async (t) => {
  const vs = await startValveSluice(
    { valves: { 'versioned.js': versioned(0) }, pipeline: [{ valve: './versioned.js' }], watch: true },
    t,
  );
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => vs.connect()));
  let stop = false;
  const sent = clients.map(() => 0);
  const traffic = clients.map(async (c: TestClient, k) => {
    while (!stop && sent[k] < 50_000) {
      for (let j = 0; j < WINDOW; j++) c.send(`s${k}-${sent[k]++}`);
      await c.waitFor(sent[k], 10_000);
    }
  });

  try {
    for (let v = 1; v <= RELOADS; v++) {
      vs.write('versioned.js', versioned(v));
      const hash = sha256(versioned(v));
      await vs.waitPipeline((p) => p.valves[0]?.sha256 === hash, `reload ${v} applied`);
    }
    await waitUntil(
      () => clients.every((c) => c.texts().at(-1)?.includes(`|v${RELOADS}|`)),
      'every session on the last version',
      5000,
    );
  } finally {
    stop = true;
    await Promise.all(traffic);
  }

  const versionsSeen = new Set<number>();
  clients.forEach((c, k) => {
    const got = c.texts();
    assert.equal(got.length, sent[k], `session ${k}: one answer per message`);
    let previous = 0;
    for (let i = 0; i < got.length; i++) {
      const m = /^s(\d+)-(\d+)\|v(\d+)\|n(\d+)$/.exec(got[i]);
      if (!m) assert.fail(`session ${k} #${i}: no version tag in ${got[i]}`);
      if (Number(m[1]) !== k || Number(m[2]) !== i) assert.fail(`session ${k} #${i}: got ${got[i]}`);
      const version = Number(m[3]);
      if (version < previous) assert.fail(`session ${k} #${i}: v${version} after v${previous}`);
      // ctx.state came along across every reload: the count never restarts
      if (Number(m[4]) !== i + 1) assert.fail(`session ${k} #${i}: count ${m[4]}, expected ${i + 1}`);
      previous = version;
      versionsSeen.add(version);
    }
    assert.equal(c.closed, undefined, `session ${k} stayed open`);
  });
  assert.ok(versionsSeen.size >= RELOADS / 2, `traffic spanned the reloads: ${[...versionsSeen]}`);
  assert.equal(await vs.metric('sluice_reloads_total', { kind: 'valve', result: 'applied' }), RELOADS);
});
