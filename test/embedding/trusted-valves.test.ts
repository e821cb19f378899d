// Trusted in-process valves (CONTRACT.md §3 "Embedding"): plain objects with the valve hooks, given
// to createSluice, run on real traffic with exactly the hook semantics of a sandboxed valve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSluice, type TrustedValve } from '../../runtime/index.ts';
import { trustedSluice } from './trusted-setup.ts';

const shape: TrustedValve<{ n: number }> = {
  name: 'shape',
  open(ctx) {
    ctx.sendToClient(`hello ${ctx.session.path}`);
  },
  fromClient(msg, ctx) {
    ctx.state.n = (ctx.state.n ?? 0) + 1;
    if (msg.type === 'binary') return Uint8Array.from(msg.data).reverse();
    const text = msg.data;
    if (text === 'drop') return null;
    if (text.startsWith('split:')) return text.slice(6).split(',');
    if (text === 'ping') {
      ctx.sendToClient(`pong after ${ctx.state.n} messages`);
      return null;
    }
    if (text === 'bye') {
      ctx.close(4001, 'bye now');
      return null;
    }
    return text.toUpperCase();
  },
  fromBackend(msg) {
    return msg.type === 'text' ? `<${msg.data}>` : undefined;
  },
};

test('a trusted valve transforms, drops, splits, answers and closes on real traffic', async (t) => {
  const s = await trustedSluice(t, { trustedValves: [shape] });
  const [backend] = s.backends;
  const c = await s.connect('/room');
  await c.waitText('hello /room');

  c.send('abc');
  c.send('drop');
  c.send('split:x,y');
  c.send('ping');
  c.send(Buffer.from([1, 2, 3]));
  c.send('last');
  await backend.waitReceived(5);
  await c.waitText('<LAST>');
  assert.deepEqual(
    backend.received.map((m) => (m.binary ? [...m.data] : m.data.toString())),
    ['ABC', 'x', 'y', [3, 2, 1], 'LAST'],
    'transformed, dropped, split and reversed on the way in',
  );
  const seen = c.messages.map((m) => (m.binary ? [...m.data] : m.data.toString()));
  assert.deepEqual(
    seen.filter((m) => !String(m).startsWith('pong')),
    ['hello /room', '<ABC>', '<x>', '<y>', [3, 2, 1], '<LAST>'],
    'echoes come back through fromBackend, in order',
  );
  assert.ok(
    seen.includes('pong after 4 messages'),
    'the answer goes straight to the client (not through fromBackend); ctx.state counts per session',
  );

  c.send('bye');
  assert.deepEqual(await c.waitClose(), { code: 4001, reason: 'bye now' });
  await backend.waitCloses(1);
  assert.equal(backend.received.length, 5, 'the closing message was dropped');
});

test('a function chooses trusted valves per session; sessions it skips keep the plain pipeline', async (t) => {
  const s = await trustedSluice(t, {
    trustedValves: (session) => (session.path === '/shaped' ? [shape] : undefined),
  });
  const shaped = await s.connect('/shaped');
  const plain = await s.connect('/plain');
  await shaped.waitText('hello /shaped');
  shaped.send('one');
  plain.send('two');
  await shaped.waitText('<ONE>');
  await plain.waitText('two');
  assert.deepEqual(plain.texts(), ['two']);
  const pipelines = [...s.sluice.frontend.sessions.values()].map((x) => [x.info.path, x.pipeline.empty]);
  assert.deepEqual(
    new Map(pipelines as [string, boolean][]),
    new Map([
      ['/shaped', false],
      ['/plain', true],
    ]),
    'a session without trusted valves gets no wrapper',
  );
});

test('a trusted function that throws refuses that session with 500; others still connect', async (t) => {
  const s = await trustedSluice(t, {
    trustedValves: (session) => {
      if (session.path === '/bad') throw new Error('no valves for you');
      return [shape];
    },
  });
  await assert.rejects(s.connect('/bad'), (err: Error & { status?: number }) => err.status === 500);
  const ok = await s.connect('/good');
  await ok.waitText('hello /good');
  assert.ok(
    s.logs.some((l) => String(l.err && (l.err as { message: string }).message).includes('no valves')),
  );
});

test('createSluice refuses invalid trusted valves, naming the valve and what to fix', async () => {
  const config = { upstream: { backends: [{ url: 'ws://127.0.0.1:9' }] } };
  const cases: [unknown, RegExp][] = [
    [[{ fromClient() {} }], /trustedValves\[0\]: `name` must be a non-empty string/],
    [[{ name: 'x' }], /trustedValves\[0\] \("x"\): a valve needs at least one hook/],
    [[{ name: 'x', fromClient: 'nope' }], /`fromClient` must be a function/],
    [[{ name: 'x', fromClient() {}, onError: 'explode' }], /`onError` must be 'drop', 'pass' or 'close'/],
    [
      [
        { name: 'x', fromClient() {} },
        { name: 'x', close() {} },
      ],
      /two valves are named "x"/,
    ],
    [
      [
        {
          name: 'x',
          fromClient() {},
          options: { type: 'object', properties: { n: { type: 'integer' } } },
          with: { n: 'a' },
        },
      ],
      /trustedValves\[0\] \("x"\): invalid with: with.n must be integer/,
    ],
    ['not a list', /must be an array of valve objects, or a function/],
  ];
  for (const [trustedValves, message] of cases) {
    await assert.rejects(
      createSluice(config, { trustedValves: trustedValves as TrustedValve[] }),
      message,
      String(message),
    );
  }
});

test("ctx.options is the valve's `with`, validated against its `options` schema with defaults filled in", async (t) => {
  const tagger: TrustedValve = {
    name: 'tagger',
    options: {
      type: 'object',
      properties: { tag: { type: 'string' }, sep: { type: 'string', default: ':' } },
      required: ['tag'],
    },
    with: { tag: 'T' },
    fromClient(msg, ctx) {
      return `${ctx.options.tag}${ctx.options.sep}${msg.data}`;
    },
  };
  const s = await trustedSluice(t, { trustedValves: [tagger] });
  const c = await s.connect();
  c.send('hi');
  await c.waitText('T:hi');
});
