// CONTRACT.md §3: ctx.options holds the entry's `with:` validated against the valve's exported
// `options` schema, defaults applied; a `with:` that does not match refuses startup, naming the key.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSluice } from '../../runtime/index.ts';
import { fixture, startValveSluice } from '../helpers/valve-sluice.ts';

test('ctx.options is `with:` with the schema defaults filled in', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'options.js': fixture('options.js') },
      pipeline: [{ valve: './options.js', with: { greeting: 'hi', fields: ['idTag'] } }],
    },
    t,
  );
  const client = await vs.connect();
  client.send('show');
  await client.waitFor(1);
  assert.deepEqual(JSON.parse(client.texts()[0]), { greeting: 'hi', limit: 10, fields: ['idTag'] });
});

for (const [name, withValue, expected] of [
  ['a value of the wrong type', { limit: 'many' }, /with\.limit must be integer/],
  ['a value below the minimum', { limit: 0 }, /with\.limit must be >= 1/],
  ['an unknown key', { limt: 5 }, /with\.limt is not an option of this valve \(did you mean limit\?\)/],
] as const) {
  test(`an invalid with: (${name}) refuses startup naming the key and the valve`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-options-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'options.js'), fixture('options.js'));
    const config = {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ url: 'ws://127.0.0.1:9' }] },
      pipeline: [{ valve: './options.js', with: withValue }],
    };
    await assert.rejects(createSluice(config, { baseDir: dir }), (err: Error) => {
      assert.match(err.message, expected);
      assert.match(err.message, /options\.js:\d+:\d+/, 'names the valve file and position');
      return true;
    });
  });
}
