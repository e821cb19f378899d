// Trusted valves are the outer layer around the sandboxed pipeline: fromClient runs them first,
// fromBackend last. Per session and direction messages keep their order while a trusted valve
// splits and drops them and the sandboxed part answers asynchronously from the valve host — also
// across a hot reload of the sandboxed valves, which leaves the trusted valves' ctx.state alone.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrustedValve } from '../../runtime/index.ts';
import { trustedSluice } from './trusted-setup.ts';

function valveDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-trusted-'));
  writeTag(dir, tag);
  return dir;
}

function writeTag(dir: string, tag: string): void {
  writeFileSync(
    join(dir, 'tag.js'),
    `export function fromClient(msg) { return '${tag}(' + msg.data + ')'; }
export function fromBackend(msg) { return 'B(' + msg.data + ')'; }\n`,
  );
}

// every third message dropped, every third split in two, the rest unchanged
const splitter: TrustedValve = {
  name: 'splitter',
  fromClient(msg) {
    const n = Number(msg.data);
    if (n % 3 === 0) return null;
    if (n % 3 === 1) return [`${n}a`, `${n}b`];
    return undefined;
  },
  fromBackend(msg) {
    return `T(${msg.data})`;
  },
};

test('order holds through a splitting, dropping trusted valve and an asynchronous sandboxed one', async (t) => {
  const s = await trustedSluice(t, {
    baseDir: valveDir('S'),
    pipeline: [{ valve: './tag.js' }],
    trustedValves: [splitter],
  });
  const [backend] = s.backends;
  const c = await s.connect();
  const expected: string[] = [];
  for (let n = 0; n < 300; n++) {
    c.send(String(n));
    if (n % 3 === 1) expected.push(`S(${n}a)`, `S(${n}b)`);
    else if (n % 3 === 2) expected.push(`S(${n})`);
  }
  await c.waitFor(expected.length);
  assert.deepEqual(
    backend.received.map((m) => m.data.toString()),
    expected,
    "the backend gets the trusted valve's output, then the sandboxed valve's, in order",
  );
  assert.deepEqual(
    c.texts(),
    expected.map((m) => `T(B(${m}))`),
    'on the way back the sandboxed valve runs first, the trusted valve last',
  );
});

test('a hot reload moves the sandboxed part; trusted ctx.state and order are kept', async (t) => {
  const dir = valveDir('V1');
  const counter: TrustedValve<{ n: number }> = {
    name: 'counter',
    fromClient(msg, ctx) {
      ctx.state.n = (ctx.state.n ?? 0) + 1;
      return `${ctx.state.n}:${msg.data}`;
    },
  };
  const s = await trustedSluice(t, {
    baseDir: dir,
    pipeline: [{ valve: './tag.js' }],
    trustedValves: [counter],
  });
  const c = await s.connect();
  for (let i = 0; i < 50; i++) c.send(`m${i}`);
  writeTag(dir, 'V2');
  const reloaded = s.sluice.bus.reloadPipeline();
  for (let i = 50; i < 100; i++) c.send(`m${i}`);
  assert.equal((await reloaded).kind, 'success');
  c.send('m100');
  await c.waitFor(101);
  const texts = c.texts();
  texts.forEach((m, i) => {
    assert.match(m, new RegExp(`^B\\(V[12]\\(${i + 1}:m${i}\\)\\)$`), `message ${i} in order, counted once`);
  });
  assert.equal(
    texts[100],
    'B(V2(101:m100))',
    'after the reload the new version runs inside the trusted valve',
  );
  const versions = texts.map((m) => m.slice(2, 4));
  assert.equal(versions.indexOf('V2'), versions.lastIndexOf('V1') + 1, 'V1 until the switch, V2 after');
});

test('without sandboxed valves a trusted valve answers synchronously, still in order', async (t) => {
  const s = await trustedSluice(t, { trustedValves: [splitter] });
  const c = await s.connect();
  const expected: string[] = [];
  for (let n = 0; n < 90; n++) {
    c.send(String(n));
    if (n % 3 === 1) expected.push(`T(${n}a)`, `T(${n}b)`);
    else if (n % 3 === 2) expected.push(`T(${n})`);
  }
  await c.waitFor(expected.length);
  assert.deepEqual(c.texts(), expected);
  assert.equal(
    s.sluice.bus.pipelineStatus() && (s.sluice.bus.pipelineStatus() as { hostPid?: number }).hostPid,
    undefined,
    'no valve host was started',
  );
});

test("trusted valves wrap a ValveProvider's valves too; a trusted ctx.delay holds the later messages", async (t) => {
  const dir = valveDir('S');
  const slow: TrustedValve = {
    name: 'slow',
    fromClient(msg, ctx) {
      if (msg.data === 'slow') ctx.delay(150);
      return `T(${msg.data})`;
    },
  };
  const s = await trustedSluice(t, {
    baseDir: dir,
    valveProvider: () => [{ valve: './tag.js' }],
    trustedValves: [slow],
  });
  const [backend] = s.backends;
  const c = await s.connect();
  const t0 = performance.now();
  c.send('slow');
  c.send('fast1');
  c.send('fast2');
  await backend.waitReceived(1);
  const waited = performance.now() - t0;
  await c.waitFor(3);
  assert.ok(waited >= 140, `the delayed message waited (${Math.round(waited)} ms)`);
  assert.deepEqual(c.texts(), ['B(S(T(slow)))', 'B(S(T(fast1)))', 'B(S(T(fast2)))']);
});
