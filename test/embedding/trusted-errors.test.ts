// A trusted valve that throws or returns an invalid result is a valve error like a sandboxed
// one: its onError applies (drop, pass, close 1011), it is logged and counted in
// sluice_valve_errors_total, it trips after 5 in a row — and the proxy and other sessions go on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrustedValve } from '../../runtime/index.ts';
import { waitUntil } from '../helpers/wait.ts';
import { trustedSluice } from './trusted-setup.ts';

function thrower(name: string, onError?: 'drop' | 'pass' | 'close'): TrustedValve {
  return {
    name,
    onError,
    fromClient(msg) {
      if (msg.data === 'boom') throw new Error('kaboom');
      return `${msg.data}!`;
    },
  };
}

const badResult: TrustedValve = {
  name: 'bad-result',
  fromClient() {
    return 42 as unknown as string;
  },
};

const byPath: Record<string, TrustedValve[]> = {
  '/drop': [thrower('thrower-drop')],
  '/pass': [thrower('thrower-pass', 'pass')],
  '/close': [thrower('thrower-close', 'close')],
  '/bad': [badResult],
};

test('a throwing trusted valve gets its onError; other sessions keep flowing', async (t) => {
  const s = await trustedSluice(t, { trustedValves: (session) => byPath[session.path] });
  const [backend] = s.backends;
  const other = await s.connect('/other');
  const drop = await s.connect('/drop');
  const pass = await s.connect('/pass');
  const close = await s.connect('/close');
  const bad = await s.connect('/bad');

  drop.send('boom');
  drop.send('after');
  await drop.waitText('after!');
  assert.deepEqual(drop.texts(), ['after!'], 'drop: the message is dropped, the session goes on');

  pass.send('boom');
  pass.send('after');
  await pass.waitText('after!');
  assert.deepEqual(pass.texts(), ['boom', 'after!'], 'pass: the message goes on unchanged');

  close.send('boom');
  assert.equal((await close.waitClose()).code, 1011, 'close: the session closes with 1011');

  bad.send('x');
  bad.send('y');
  await other.echo('still here');
  assert.deepEqual(bad.texts(), [], 'an invalid result is a valve error (default onError: drop)');
  const received = backend.received.map((m) => m.data.toString());
  assert.equal(received.filter((m) => m === 'boom').length, 1, 'only the pass session let "boom" through');
  assert.ok(!received.includes('x') && !received.includes('y'));

  const errors = s.logs.filter((l) => l.msg?.toString().startsWith('valve error'));
  const kaboom = errors.find((l) => l.valve === 'thrower-drop');
  assert.ok(kaboom, 'the error is logged with the valve name');
  assert.equal(kaboom.trusted, true);
  assert.equal(kaboom.direction, 'fromClient');
  assert.equal(kaboom.kind, 'throw');
  assert.match(String(kaboom.msg), /fromClient: Error: kaboom/);
  assert.match(String(kaboom.at), /trusted-errors\.test\.ts:\d+:\d+$/, 'with where it was thrown');
  const invalid = errors.find((l) => l.valve === 'bad-result');
  assert.match(String(invalid?.msg), /invalid valve result from bad-result: got a number/);

  const metrics = (await s.admin.get('/metrics')).text;
  for (const [valve, kind, n] of [
    ['thrower-drop', 'throw', 1],
    ['thrower-pass', 'throw', 1],
    ['thrower-close', 'throw', 1],
    ['bad-result', 'invalid-result', 2],
  ] as const) {
    assert.ok(
      metrics.includes(
        `sluice_valve_errors_total{valve="${valve}",direction="fromClient",kind="${kind}"} ${n}`,
      ),
      `sluice_valve_errors_total counts ${valve}`,
    );
  }
  assert.ok(metrics.includes('sluice_valve_drops_total{valve="thrower-drop",direction="fromClient"} 1'));
});

test('a trusted valve that errors 5 times in a row is tripped: onError applies without calling it', async (t) => {
  let calls = 0;
  const flaky: TrustedValve = {
    name: 'flaky',
    onError: 'pass',
    fromClient(msg) {
      calls++;
      if (String(msg.data).startsWith('boom')) throw new Error('nope');
      return `${msg.data}!`;
    },
  };
  const s = await trustedSluice(t, { trustedValves: [flaky] });
  const c = await s.connect();
  for (let i = 0; i < 5; i++) c.send(`boom${i}`);
  c.send('fine');
  await c.waitFor(6);
  assert.deepEqual(
    c.texts(),
    ['boom0', 'boom1', 'boom2', 'boom3', 'boom4', 'fine'],
    'tripped: passed unchanged',
  );
  assert.equal(calls, 5, 'the tripped valve was not called');
  const status = (
    await s.admin.get<{ valves: { name: string; status: string; errors: number }[] }>('/pipeline')
  ).json;
  assert.equal(status.valves[0].status, 'tripped');
  assert.equal(status.valves[0].errors, 6);
  assert.ok(s.logs.some((l) => l.valve === 'flaky' && /tripped for 10s after 5 errors/.test(String(l.msg))));
  await waitUntil(
    async () => (await s.admin.get('/metrics')).text.includes('kind="tripped"} 1'),
    'the tripped error in the metrics',
  );
});

test('errors in open, fromBackend and close hooks are caught: the session and the proxy go on', async (t) => {
  const fragile: TrustedValve = {
    name: 'fragile',
    open() {
      throw new Error('open failed');
    },
    fromBackend() {
      throw new TypeError('backend side failed');
    },
    close() {
      throw new Error('close failed');
    },
    onError: 'pass',
  };
  const s = await trustedSluice(t, { trustedValves: [fragile] });
  const c = await s.connect();
  await c.echo('through');
  await c.close();
  await waitUntil(
    () => s.logs.some((l) => /close: Error: close failed/.test(String(l.msg))),
    'the close error',
  );
  const next = await s.connect();
  await next.echo('the proxy is fine');
  const hooks = s.logs
    .filter((l) => l.valve === 'fragile')
    .map((l) => /^valve error: (\w+):/.exec(String(l.msg))?.[1]);
  assert.deepEqual(hooks.slice(0, 3), ['open', 'fromBackend', 'close']);
});
