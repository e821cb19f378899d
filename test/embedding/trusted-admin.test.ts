// Trusted valves are marked as such where operators look: `GET /pipeline` lists them first with
// "trusted": true, their ctx.log lines carry `trusted: true` and the valve name, and they are
// counted in the same valve metrics. Their failover() runs before the sandboxed valves' one.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrustedValve } from '../../runtime/index.ts';
import { waitUntil } from '../helpers/wait.ts';
import { trustedSluice } from './trusted-setup.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-trusted-admin-'));
writeFileSync(join(dir, 'pass.js'), 'export function fromClient(msg) { return msg; }\n');
writeFileSync(join(dir, 'resume.js'), "export function failover() { return 'sandboxed resume'; }\n");

interface Listed {
  name: string;
  trusted?: boolean;
  source: string;
  status: string;
  calls: number;
  drops: number;
  errors: number;
}

test('GET /pipeline lists trusted valves with "trusted": true; their logs and metrics say so', async (t) => {
  const audit: TrustedValve<{ n: number }> = {
    name: 'audit',
    fromClient(msg, ctx) {
      ctx.state.n = (ctx.state.n ?? 0) + 1;
      ctx.log.info('saw', { n: ctx.state.n });
      return msg.data === 'secret' ? null : undefined;
    },
  };
  const s = await trustedSluice(t, {
    baseDir: dir,
    pipeline: [{ valve: './pass.js' }],
    trustedValves: [audit],
  });
  const c = await s.connect();
  c.send('secret');
  await c.echo('hello');

  const reply = await s.admin.get<{ valves: Listed[] }>('/pipeline');
  assert.equal(reply.status, 200);
  const [trusted, sandboxed] = reply.json.valves;
  assert.match(String((trusted as { loadedAt?: string }).loadedAt), /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(
    { ...trusted, loadedAt: undefined },
    {
      name: 'audit',
      trusted: true,
      source: 'embedding API',
      loadedAt: undefined,
      status: 'running',
      onError: 'drop',
      hooks: ['fromClient'],
      calls: 2,
      drops: 1,
      errors: 0,
    },
  );
  assert.equal(sandboxed.name, './pass.js');
  assert.equal(sandboxed.trusted, undefined, 'sandboxed valves are not marked trusted');
  assert.equal(sandboxed.calls, 1, 'the dropped message never reached the sandbox');

  const lines = s.logs.filter((l) => l.valve === 'audit');
  assert.deepEqual(
    lines.map((l) => [l.level, l.trusted, l.msg]),
    [
      [30, true, 'saw {"n":1}'],
      [30, true, 'saw {"n":2}'],
    ],
  );

  const metrics = await waitUntil(async () => {
    const text = (await s.admin.get('/metrics')).text;
    return text.includes('sluice_valve_calls_total{valve="audit",direction="fromClient"} 2') && text;
  }, 'the trusted valve counted in sluice_valve_calls_total');
  assert.ok(metrics.includes('sluice_valve_drops_total{valve="audit",direction="fromClient"} 1'));
  assert.ok(metrics.includes('sluice_valve_duration_seconds_count{valve="audit",direction="fromClient"}'));
});

test('on failover a trusted valve keeps its ctx.state and its messages reach the new backend first', async (t) => {
  const resumer: TrustedValve<{ n: number }> = {
    name: 'resumer',
    fromClient(_msg, ctx) {
      ctx.state.n = (ctx.state.n ?? 0) + 1;
    },
    failover(ctx) {
      return `resume after ${ctx.state.n} on ${ctx.session.backend.id}`;
    },
  };
  const s = await trustedSluice(t, {
    baseDir: dir,
    backends: 2,
    pipeline: [{ valve: './resume.js' }],
    trustedValves: [resumer],
  });
  const c = await s.connect();
  await c.echo('one');
  await c.echo('two');
  const [session] = await s.admin.sessions();
  const oldIndex = Number(session.backendId.slice(1));
  const next = s.backends[1 - oldIndex];
  assert.equal((await s.admin.action(`/session/failover/${session.id}`)).result, 'success');
  await next.waitReceived(2);
  assert.deepEqual(
    next.received.map((m) => m.data.toString()),
    [`resume after 2 on b${1 - oldIndex}`, 'sandboxed resume'],
    'trusted failover() first (outer layer), then the sandboxed one; ctx.session.backend is the new one',
  );
  await c.echo('three');
  assert.equal(next.received.at(-1)?.data.toString(), 'three');
});
