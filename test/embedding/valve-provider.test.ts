import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSluice, type SessionInfo } from '../../runtime/index.ts';
import { connect } from '../helpers/client.ts';
import { startBackend } from '../helpers/test-backend.ts';
import { waitEvent } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-provider-'));
writeFileSync(
  join(dir, 'tag.js'),
  `export const options = { type: 'object', properties: { tag: { type: 'string' } }, required: ['tag'] };
export function fromClient(msg, ctx) { return ctx.options.tag + ':' + msg.data; }\n`,
);

test('a ValveProvider picks sandboxed valves per session; sessions it skips flow unchanged', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const seen: SessionInfo[] = [];
  const sluice = await createSluice(
    {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ url: backend.url }] },
    },
    {
      baseDir: dir,
      valveProvider: (session) => {
        seen.push(session);
        if (!session.path.startsWith('/tagged/')) return undefined;
        return [{ valve: './tag.js', with: { tag: session.path.slice('/tagged/'.length) } }];
      },
    },
  );
  const addr = await sluice.start();
  t.after(() => sluice.stop());
  const url = `ws://127.0.0.1:${addr.frontend.port}`;

  const a = await connect(`${url}/tagged/alpha`);
  const b = await connect(`${url}/tagged/beta`);
  const plain = await connect(`${url}/plain`);
  a.send('one');
  b.send('two');
  plain.send('three');
  await Promise.all([a.waitFor(1), b.waitFor(1), plain.waitFor(1)]);
  assert.deepEqual(a.texts(), ['alpha:one']);
  assert.deepEqual(b.texts(), ['beta:two']);
  assert.deepEqual(plain.texts(), ['three']);
  assert.deepEqual(
    seen.map((s) => s.path),
    ['/tagged/alpha', '/tagged/beta', '/plain'],
  );
  await Promise.all([a.close(), b.close(), plain.close()]);
});

test('a ValveProvider that returns invalid entries gets the session refused with 500, others still connect', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const sluice = await createSluice(
    {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ url: backend.url }] },
    },
    {
      baseDir: dir,
      valveProvider: (session) =>
        session.path === '/bad' ? [{ valve: './tag.js', with: { tag: 7 } }] : undefined,
    },
  );
  const addr = await sluice.start();
  t.after(() => sluice.stop());
  const url = `ws://127.0.0.1:${addr.frontend.port}`;
  await assert.rejects(connect(`${url}/bad`), (err: Error & { status?: number }) => err.status === 500);
  // The backend connection dialled for the refused session is closed at once (a paused one would
  // wait out ws's 30 s close timeout).
  await waitEvent(
    backend.events,
    'close',
    () => backend.closes.some((c) => c.code === 1001),
    5000,
    'the backend connection of the refused session to close',
  );
  const ok = await connect(`${url}/good`);
  ok.send('fine');
  await ok.waitFor(1);
  assert.deepEqual(ok.texts(), ['fine']);
  await ok.close();
});
