// A hot reload to a pipeline with no valves while messages are still in the valve host: the
// messages that arrive after it (which need no valve) wait for the earlier ones, so none
// overtakes another (CONTRACT.md §3: per session and direction, messages leave in arrival order).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { sendNumbered, startValveSluice, waitBackendText } from '../helpers/valve-sluice.ts';

// 30 ms of work per message: ten of them keep the valve host busy while the reload lands.
const SLOW = `export function fromClient(msg) {
  const until = Date.now() + 30;
  while (Date.now() < until) {}
}
`;

test('reloaded to no valves mid-stream: later messages do not overtake those still in the valve host', async (t) => {
  const vs = await startValveSluice(
    {
      valves: { 'slow.js': SLOW },
      pipeline: [{ valve: './slow.js', timeout: '1s' }],
      configFile: true,
      watch: false,
    },
    t,
  );
  const client = await vs.connect();
  sendNumbered(client, 'm', 0, 10);
  const config = JSON.parse(readFileSync(vs.configPath as string, 'utf8'));
  config.pipeline = [];
  writeFileSync(vs.configPath as string, JSON.stringify(config));
  // the reload is built while the valve host works through the first messages; those sent
  // meanwhile are still in it when the sessions move to the new (empty) version
  const reloading = vs.admin.action('/pipeline/reload');
  // the first batch is back: the host now builds the new version, and these queue behind it
  await waitBackendText(vs.backends[0], 'm9');
  sendNumbered(client, 'm', 10, 10);
  assert.equal((await reloading).status, 200);
  assert.deepEqual((await vs.pipeline()).valves, [], 'the new version has no valves');
  sendNumbered(client, 'm', 20, 10);
  await waitBackendText(vs.backends[0], 'm29');
  const got = vs.backends[0].received.map((m) => m.data.toString());
  assert.deepEqual(
    got,
    Array.from({ length: 30 }, (_, i) => `m${i}`),
    'the backend got every message once, in order',
  );
});
