// CONTRACT.md §3: ctx.session describes the client's request and the backend the session is on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('ctx.session holds path, query, subprotocol, headers, client address and backend', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'session-info.js': fixture('session-info.js') },
      pipeline: [{ valve: './session-info.js' }],
      backends: [{ protocols: ['chat.v2'] }],
    },
    t,
  );
  const backend = vs.backends[0];
  const client = await vs.connect('/chat/room1?user=ann&x=1', ['chat.v1', 'chat.v2'], {
    headers: { 'X-Custom': 'yes' },
  });
  client.send('who');
  await client.waitFor(1);
  const session = JSON.parse(client.texts()[0]);
  const [listed] = await vs.admin.sessions();
  assert.equal(session.id, listed.id);
  assert.equal(session.path, '/chat/room1');
  assert.equal(session.query, 'user=ann&x=1');
  assert.equal(session.subprotocol, 'chat.v2');
  assert.equal(session.clientAddress, '127.0.0.1');
  assert.equal(session.headers['x-custom'], 'yes', 'headers in lower case');
  assert.deepEqual(session.backend, { id: backend.id, url: backend.url });
});
