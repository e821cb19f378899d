// CONTRACT.md §2–3: `when:` selects the valves per session; a session that selects none flows
// straight through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('a when: {path: /chat/*} valve applies only to matching paths; others flow unchanged', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'tag.js': fixture('tag.js') },
      pipeline: [{ valve: './tag.js', with: { tag: 'chat' }, when: { path: '/chat/*' } }],
    },
    t,
  );
  const chat = await vs.connect('/chat/room1');
  const other = await vs.connect('/news');
  const deeper = await vs.connect('/chat/room1/sub'); // `*` stays within one path segment
  await other.echo('plain');
  await deeper.echo('deep');
  chat.send('hello');
  await chat.waitFor(1);
  assert.deepEqual(chat.texts(), ['hello>chat<chat']);
  assert.deepEqual(other.texts(), ['plain']);
  assert.deepEqual(deeper.texts(), ['deep']);
  const atBackend = vs.backends[0].received.map((m) => m.data.toString()).sort();
  assert.deepEqual(atBackend, ['deep', 'hello>chat', 'plain']);
});
