import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ENV_VARS, formatProblem, loadConfigText } from '../../../runtime/config/index.ts';
import { schemaKeys } from './schema-keys.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const FIXTURES = resolve(ROOT, 'test/fixtures/config');
const docs = await readFile(resolve(ROOT, 'docs/config.md'), 'utf8');

/** The fenced code blocks of the page, in order, with their language. */
const blocks = [...docs.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));

describe('docs/config.md', () => {
  test('documents every key and every environment variable', () => {
    for (const { path, node } of schemaKeys()) {
      if (node.properties) continue; // a section: its keys are listed
      const [, item] = path.split('[].');
      const name = item ?? path;
      assert.ok(docs.includes(`\`${name}\``), `docs/config.md documents ${path}`);
    }
    for (const { name } of ENV_VARS)
      assert.ok(docs.includes(`\`${name}\``), `docs/config.md documents ${name}`);
  });

  test('every example config loads as written', () => {
    const examples = blocks.filter(
      (b, i) => b.lang === 'yaml' && b.body.includes('upstream:') && blocks[i + 1]?.lang !== 'text',
    );
    assert.ok(examples.length >= 2);
    for (const { body } of examples) {
      const result = loadConfigText(
        body,
        resolve(FIXTURES, 'docs-example.yaml'),
        {},
        {
          builtinValvesDir: resolve(FIXTURES, 'builtin-valves'),
        },
      );
      assert.deepEqual(result.problems.map(formatProblem), [], body);
    }
  });

  test('the problems example prints exactly what the page shows', () => {
    const i = blocks.findIndex((b, j) => b.lang === 'yaml' && blocks[j + 1]?.lang === 'text');
    const result = loadConfigText(blocks[i].body, 'sluice.yaml', { BE_PING_TIME: 'abc' });
    assert.equal(result.problems.map(formatProblem).join('\n'), blocks[i + 1].body.trimEnd());
  });
});
