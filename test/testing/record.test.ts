// Captures through a real Sluice (createSluice, a real client and backend over 127.0.0.1): the
// capture holds exactly what each side received, after the valves, bounded by record.max-bytes;
// POST /session/record/{id} starts one for a running session.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { createSluice } from '../../runtime/index.ts';
import { waitUntil } from '../helpers/wait.ts';
import { FIXTURES, type Got, RecordingBackend, RecordingClient, tempDir } from './helpers.ts';

interface CaptureLine extends Got {
  t: number;
  from: 'client' | 'backend';
}

async function start(t: TestContext, record: Record<string, unknown>, logs: Record<string, unknown>[] = []) {
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const backend = await new RecordingBackend().start();
  t.after(() => backend.stop());
  const sluice = await createSluice(
    {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: [{ id: 'b', url: backend.url }] },
      pipeline: [{ valve: './redact-token.js' }],
      record,
    },
    { baseDir: join(FIXTURES, 'valves'), logger },
  );
  const addr = await sluice.start();
  t.after(() => sluice.stop());
  return {
    backend,
    url: `ws://127.0.0.1:${addr.frontend.port}`,
    admin: `http://127.0.0.1:${addr.admin.port}`,
  };
}

/** The capture's lines once it holds `n` of them (the file is written asynchronously). */
async function captureLines(file: string, n: number): Promise<CaptureLine[]> {
  return waitUntil(
    async () => {
      const text = existsSync(file) ? await readFile(file, 'utf8') : '';
      const lines = text.split('\n').filter((l) => l !== '');
      return lines.length >= n && text.endsWith('\n') && lines.map((l) => JSON.parse(l) as CaptureLine);
    },
    `${n} lines in ${file}`,
    5000,
  );
}

const payload = ({ type, data }: Got): Got => ({ type, data });

describe('session captures', () => {
  test('a session whose path matches record.path is captured as each side received it, after the valves', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const caps = join(dir, 'caps');
    const { backend, url } = await start(t, { dir: caps, path: '/rec/**' });

    const client = await RecordingClient.connect(`${url}/rec/one`);
    client.ws.send('{"token":"s3cret","n":1}');
    await client.waitFor(1);
    client.ws.send(Buffer.from([1, 2, 3]));
    client.ws.send('hello');
    await backend.waitFor(3);
    await client.waitFor(3);
    await client.close();
    const toBackend = [...backend.received];
    // a session on another path is not recorded
    const other = await RecordingClient.connect(`${url}/plain`);
    other.ws.send('x');
    await other.waitFor(1);
    await other.close();

    const files = await readdir(caps);
    assert.equal(files.length, 1, files.join(', '));
    const lines = await captureLines(join(caps, files[0]), 6);
    assert.deepEqual(lines.filter((l) => l.from === 'client').map(payload), toBackend);
    assert.deepEqual(lines.filter((l) => l.from === 'backend').map(payload), client.received);
    assert.deepEqual(toBackend[0], { type: 'text', data: '{"token":"***","n":1}' });
    assert.ok(
      client.received.some((m) => m.data === 'welcome'),
      'the valve injection is captured',
    );
    assert.ok(!(await readFile(join(caps, files[0]), 'utf8')).includes('s3cret'), 'redacted before capture');
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i].t >= lines[i - 1].t, 't never goes back');
  });

  test('a capture stops at record.max-bytes, keeping only whole lines', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const logs: Record<string, unknown>[] = [];
    const { backend, url } = await start(t, { dir, path: '/**', 'max-bytes': 300 }, logs);
    const client = await RecordingClient.connect(`${url}/big`);
    for (let i = 0; i < 20; i++) client.ws.send(`message number ${String(i).padStart(2, '0')}`);
    await backend.waitFor(20);
    await client.waitFor(20);
    await client.close();
    const capped = logs.find((l) => l.msg === 'capture reached record.max-bytes; recording stopped');
    assert.ok(capped, 'the recorder says it stopped at the cap');
    const [file] = await readdir(dir);
    const bytes = capped.bytes as number;
    assert.ok(bytes <= 300 && bytes > 200, `${bytes} bytes written`);
    await waitUntil(
      async () => (await stat(join(dir, file))).size === bytes,
      `${file} to hold ${bytes} bytes`,
      5000,
    );
    const lines = await captureLines(join(dir, file), 1);
    const sent = lines.filter((l) => l.from === 'client').map((l) => l.data);
    assert.ok(sent.length >= 2 && sent.length < 20, `${sent.length} client lines`);
    assert.deepEqual(
      sent,
      backend.received.slice(0, sent.length).map((m) => m.data),
    );
  });

  test('POST /session/record/{id} captures a running session from then on; 404 for an unknown id', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const { backend, url, admin } = await start(t, { dir });
    const client = await RecordingClient.connect(`${url}/live`);
    client.ws.send('before');
    await client.waitFor(1);
    const [session] = (await (await fetch(`${admin}/session/list`)).json()) as { id: string }[];
    const post = async (id: string) => {
      const r = await fetch(`${admin}/session/record/${encodeURIComponent(id)}`, { method: 'POST' });
      return [r.status, await r.json()];
    };
    assert.deepEqual(await post(session.id), [200, { result: 'success' }]);
    assert.deepEqual(await post(session.id), [200, { result: 'success', reason: 'NoActionRequired' }]);
    assert.deepEqual(await post('no-such-session'), [404, { result: 'failed', reason: 'NotFound' }]);
    client.ws.send('after');
    await backend.waitFor(2);
    await client.waitFor(2);
    await client.close();
    const lines = await captureLines(join(dir, `${session.id}.jsonl`), 2);
    assert.deepEqual(
      lines.map((l) => [l.from, l.data]),
      [
        ['client', 'after'],
        ['backend', 'echo:after'],
      ],
    );
  });
});
