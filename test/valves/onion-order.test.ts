// CONTRACT.md §3: the pipeline is an onion: fromClient runs top to bottom, fromBackend bottom to top.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('three valves: fromClient runs top to bottom, fromBackend bottom to top', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'tag.js': fixture('tag.js') },
      pipeline: ['a', 'b', 'c'].map((tag) => ({ valve: './tag.js', with: { tag } })),
    },
    t,
  );
  const client = await vs.connect();
  client.send('m');
  await client.waitFor(1);
  assert.equal(vs.backends[0].received[0].data.toString(), 'm>a>b>c');
  assert.deepEqual(client.texts(), ['m>a>b>c<c<b<a']);
});
