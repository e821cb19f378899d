// CONTRACT.md §3: ctx.sendToClient / ctx.sendToBackend inject a message straight to that peer,
// skipping the other valves; ctx.close(code, reason) ends the session on both sides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, shown, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';

const valves = { 'tag.js': fixture('tag.js'), 'inject.js': fixture('inject.js') };
// inject.js sits between two tagging valves: anything that passed them carries their tags
const pipeline = [
  { valve: './tag.js', with: { tag: 'top' } },
  { valve: './inject.js' },
  { valve: './tag.js', with: { tag: 'bottom' } },
];

test('injected messages reach each peer without passing the other valves', async (t) => {
  const vs = await startValveSluice({ valves, pipeline }, t);
  const backend = vs.backends[0];
  const client = await vs.connect();
  client.send('plain');
  await client.waitFor(1);
  assert.deepEqual(client.texts(), ['plain>top>bottom<bottom<top'], 'a normal message passes every valve');
  client.send('inject');
  const at = await waitBackendText(backend, 'to-backend');
  assert.deepEqual(shown(backend.received.slice(0, at + 1)), ['text:plain>top>bottom', 'text:to-backend']);
  // the two injections to the client, in order, then the backend's echo of 'to-backend'
  await client.waitFor(4);
  assert.deepEqual(shown(client.messages.slice(1)), [
    'bin:7,7',
    'text:to-client',
    'text:to-backend<bottom<top',
  ]);
  assert.equal(
    backend.received.some((m) => m.data.toString().startsWith('inject')),
    false,
    'dropped',
  );
});

test('ctx.close(4000, "bye") closes the client and the backend with 4000', async (t) => {
  const vs = await startValveSluice({ valves, pipeline }, t);
  const backend = vs.backends[0];
  const client = await vs.connect();
  client.send('bye');
  assert.deepEqual(await client.waitClose(), { code: 4000, reason: 'bye' });
  await backend.waitCloses(1);
  assert.equal(backend.closes[0].code, 4000);
  assert.equal(backend.received.length, 0, 'the closing message itself was dropped');
  assert.deepEqual(await vs.admin.sessions(), []);
});
