import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSluice } from '../../runtime/index.ts';
import { connect } from '../helpers/client.ts';
import { startBackend } from '../helpers/test-backend.ts';
import { waitUntil } from '../helpers/wait.ts';

test('a direction no valve handles skips the valve host: backend pushes flow while the host is frozen', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-skip-'));
  writeFileSync(
    join(dir, 'client-only.js'),
    "export function fromClient(msg) { return 'seen:' + msg.data; }\n",
  );
  const backend = await startBackend();
  t.after(() => backend.stop());
  const sluice = await createSluice(
    {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ url: backend.url }] },
      pipeline: [{ valve: './client-only.js' }],
    },
    { baseDir: dir },
  );
  const addr = await sluice.start();
  t.after(() => sluice.stop());
  const client = await connect(`ws://127.0.0.1:${addr.frontend.port}/`);
  client.send('hi');
  await client.waitFor(1);
  assert.equal(client.texts()[0], 'seen:hi', 'client messages pass the valve');

  const status = sluice.bus.pipelineStatus() as { hostPid: number };
  process.kill(status.hostPid, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(status.hostPid, 'SIGCONT');
    } catch {}
  });
  await waitUntil(() => backend.connections.size === 1, 'the backend connection');
  const [conn] = backend.connections;
  for (let i = 0; i < 5; i++) conn.send(`push ${i}`);
  await client.waitFor(6, 3000);
  assert.deepEqual(client.texts().slice(1), ['push 0', 'push 1', 'push 2', 'push 3', 'push 4']);
  process.kill(status.hostPid, 'SIGCONT');
  await client.close();
});
