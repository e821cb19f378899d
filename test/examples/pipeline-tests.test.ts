// Every example's pipeline tests pass with the real CLI (`sluice test examples`), every example's
// config is valid (`sluice check`) and carries the schema modeline, and the ocpp-guard README's
// `sluice replay` command runs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { REPO } from './example-process.ts';

const EXAMPLES = ['quickstart', 'ocpp-guard', 'chat-moderation', 'graphql-subscriptions'];

test("sluice test examples runs every example's *.test.yaml and they all pass", async () => {
  const r = await runCliToEnd(['test', 'examples'], { cwd: REPO });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const summary = /^(\d+) passed, 0 failed$/.exec(lines.at(-1) ?? '');
  assert.ok(summary, `the last line is the summary: ${lines.at(-1)}`);
  assert.equal(Number(summary[1]), lines.filter((l) => l.startsWith('✔ ')).length);
  assert.doesNotMatch(r.stdout, /✖/);
  for (const name of EXAMPLES) {
    assert.match(r.stdout, new RegExp(`^✔ examples/${name}/${name}\\.test\\.yaml › `, 'm'), name);
  }
});

test('every example config is valid for sluice check and starts with the schema modeline', async () => {
  for (const name of EXAMPLES) {
    const file = `examples/${name}/sluice.yaml`;
    const first = readFileSync(join(REPO, file), 'utf8').split('\n')[0];
    assert.equal(first, '# yaml-language-server: $schema=../../schemas/config.schema.json', file);
    const r = await runCliToEnd(['check', file], { cwd: REPO });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^${file}: valid \\(0 warnings\\)$`, 'm'));
  }
});

test('sluice replay shows what the ocpp-guard pipeline does to a capture of unguarded traffic', async () => {
  const r = await runCliToEnd(
    [
      'replay',
      'examples/ocpp-guard/captures/unguarded-cp.jsonl',
      '-c',
      'examples/ocpp-guard/sluice.yaml',
      '--path',
      '/ocpp/CP-1',
    ],
    { cwd: REPO },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /→ client: {2}"\[4,\\"5\\",\\"PropertyConstraintViolation\\"/);
  assert.match(r.stdout, /→ client: {2}"\[3,\\"4\\",\{\\"currentTime\\"/);
  assert.match(
    r.stdout,
    /^replayed 10 messages: 4 reached the backend, 6 the client, 2 dropped, 0 valve errors$/m,
  );
});
