// The quickstart end to end, as `npm start` runs it: `sluice run` with no config starts two echo
// backends behind examples/quickstart/sluice.yaml; a client uses the commands of valves/commands.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../helpers/client.ts';
import { startSluice } from './example-process.ts';

test('quickstart: echo, /upper changes the message on its way, /count is answered by Sluice, >64 KiB closes 1009', async (t) => {
  const sluice = await startSluice(undefined, {});
  t.after(() => sluice.proc.stop());
  const client = await connect(`${sluice.url}/`);
  t.after(() => client.close());

  await client.echo('hello');
  client.send('/upper make me loud');
  await client.waitText('MAKE ME LOUD');
  client.send('/count');
  await client.waitText('you sent 3 message(s) on this session');
  assert.deepEqual(client.texts(), ['hello', 'MAKE ME LOUD', 'you sent 3 message(s) on this session']);

  client.send('x'.repeat(65_537));
  const closed = await client.waitClose();
  assert.deepEqual(closed, { code: 1009, reason: 'message larger than 65536 bytes' });
});
