// `sluice run` gives its process the V8 flags idle memory depends on (runtime/node-flags.ts),
// however it was started: it re-executes itself in place (same PID), once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PROXY_NODE_FLAGS } from '../../runtime/node-flags.ts';
import { startSluiceProcess } from '../helpers/process-sluice.ts';
import { startBackend } from '../helpers/test-backend.ts';

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

test('started as plain `node runtime/cli.ts run`, the same process runs with the proxy flags and serves', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const sp = await startSluiceProcess({ config: { upstream: { backends: [{ url: backend.url }] } } }, t);
  const args = cmdline(sp.pid);
  for (const flag of PROXY_NODE_FLAGS) assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
  assert.equal(args.filter((a) => a.startsWith('--max-semi-space-size')).length, 1, 'added once');
  const c = await sp.connect('/');
  await c.echo('hello');
});

test('SLUICE_NODE_FLAGS=off leaves the command line as it was', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const sp = await startSluiceProcess(
    { config: { upstream: { backends: [{ url: backend.url }] } }, env: { SLUICE_NODE_FLAGS: 'off' } },
    t,
  );
  assert.ok(!cmdline(sp.pid).some((a) => a.startsWith('--max-semi-space-size')));
});
