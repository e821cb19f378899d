import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCliToEnd } from '../helpers/cli-process.ts';

const fixtures = fileURLToPath(new URL('../fixtures/config/wsbalancer/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sluice-check-'));

for (const name of ['test-default-config.yml', 'test-two-bkend-config.yml', 'test-four-bkend-config.yml']) {
  test(`sluice check accepts wsbalancer's ${name}, warning about its test-only sections`, async () => {
    const r = await runCliToEnd(['check', join(fixtures, name)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /test-clients +warning: unknown top-level section/);
    assert.match(r.stdout, /valid \(3 warnings\)/);
  });
}

test('sluice check prints every problem as file:line:col  path  message and exits 1', async () => {
  const file = join(dir, 'two-errors.yaml');
  writeFileSync(file, 'server:\n  frontnd: {}\nupstream:\n  backends:\n    - { url: ws://a:70000 }\n');
  const r = await runCliToEnd(['check', file]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /two-errors\.yaml:2:3 +server\.frontnd +.*did you mean "frontend"/);
  assert.match(r.stdout, /two-errors\.yaml:5:\d+ +upstream\.backends\[0\]\.url/);
});

test('sluice check --json prints problems with file, line, column, path, message, severity', async () => {
  const file = join(dir, 'json.yaml');
  writeFileSync(file, 'server:\n  frontnd: {}\nupstream:\n  backends:\n    - { url: ws://a:1 }\n');
  const r = await runCliToEnd(['check', file, '--json']);
  assert.equal(r.code, 1);
  const problems = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.ok(Array.isArray(problems));
  assert.deepEqual(Object.keys(problems[0]).sort(), [
    'column',
    'file',
    'line',
    'message',
    'path',
    'severity',
  ]);
  assert.equal(problems[0].line, 2);
});

test('sluice schema prints the config JSON Schema', async () => {
  const r = await runCliToEnd(['schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
  assert.match(schema.$schema, /2020-12/);
  assert.ok(schema.properties.upstream);
});

test('sluice check compiles each valve: a syntax error is reported with the valve file, line and column', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'sluice-check-valve-'));
  writeFileSync(join(folder, 'broken.js'), 'export function fromClient(msg) {\n  return msg +;\n}\n');
  const file = join(folder, 'sluice.yaml');
  writeFileSync(
    file,
    'upstream:\n  backends:\n    - { url: ws://127.0.0.1:9 }\npipeline:\n  - valve: ./broken.js\n',
  );
  const r = await runCliToEnd(['check', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /broken\.js:2:\d+ +pipeline\[0\] +.*Unexpected token/);
});

test("sluice check applies a valve's options schema to its with: and warns on a misspelt hook", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'sluice-check-opts-'));
  writeFileSync(
    join(folder, 'limit.js'),
    "export const options = { type: 'object', properties: { max: { type: 'integer' } }, additionalProperties: false };\n" +
      'export function fromClient(msg) { return undefined; }\nexport function fromclient() {}\n',
  );
  const file = join(folder, 'sluice.yaml');
  writeFileSync(
    file,
    'upstream:\n  backends:\n    - { url: ws://127.0.0.1:9 }\npipeline:\n  - valve: ./limit.js\n    with: { max: lots }\n',
  );
  const r = await runCliToEnd(['check', file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /with\.max/);
  assert.match(r.stdout, /fromclient.*fromClient/);
});
