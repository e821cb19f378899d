// Every built-in valve loads cleanly and is documented, and every config example in its docs
// page loads and builds as written.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigText } from '../../runtime/config/index.ts';
import { builtinValveNames } from '../../runtime/config/pipeline.ts';
import { builtin, Rig } from './helpers.ts';

const DOCS = fileURLToPath(new URL('../../docs/valves/', import.meta.url));

/** The smallest valid `with:` of each built-in valve. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  'size-limit': {},
  'rate-limit': {},
  'json-schema': { schema: {} },
  redact: { paths: ['a'] },
  filter: { deny: ['x'] },
  transform: { set: { a: 1 } },
  tap: {},
  chaos: {},
  'replay-unanswered': { protocol: 'ocpp' },
};

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('the built-in valves', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  test('are exactly the documented set, each with a page and a row in docs/valves/README.md', () => {
    const names = builtinValveNames();
    assert.deepEqual(names, Object.keys(MINIMAL).sort());
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    const pages = readdirSync(DOCS).filter((f) => f !== 'README.md');
    assert.deepEqual(pages.sort(), names.map((n) => `${n}.md`).sort());
    for (const n of names) assert.ok(index.includes(`[\`${n}\`](${n}.md)`), `${n} is in the index`);
  });

  test('each loads with its smallest with: and no warning (no stray exports)', async () => {
    for (const [name, withValue] of Object.entries(MINIMAL)) {
      const r = await rig.host.build([builtin(name, withValue)]);
      assert.ok(r.ok, `${name}: ${r.ok ? '' : r.errors.map((e) => e.message).join('; ')}`);
      assert.deepEqual(r.warnings, [], name);
    }
  });

  test('each option schema gives every option a description and closes additionalProperties', async () => {
    for (const name of Object.keys(MINIMAL)) {
      const mod = (await import(`../../valves/${name}.js`)) as { options: Record<string, unknown> };
      const schema = mod.options as {
        additionalProperties: unknown;
        properties: Record<string, { description?: string }>;
      };
      assert.equal(schema.additionalProperties, false, name);
      for (const [key, s] of Object.entries(schema.properties))
        assert.ok(s.description, `${name}: ${key} has a description`);
    }
  });

  for (const page of readdirSync(DOCS).filter((f) => f.endsWith('.md'))) {
    test(`the config examples in docs/valves/${page} load and build as written`, async () => {
      const blocks = yamlBlocks(readFileSync(join(DOCS, page), 'utf8'));
      assert.ok(blocks.length > 0, 'the page has an example');
      for (const yaml of blocks) {
        const text = `${yaml}upstream:\n  backends: [{ url: 'ws://127.0.0.1:9' }]\n`;
        const loaded = loadConfigText(text, join(DOCS, 'sluice.yaml'), {});
        const problems = loaded.problems
          .filter((p) => p.severity === 'error')
          .map((p) => `${p.path}: ${p.message}`);
        assert.deepEqual(problems, [], yaml);
        assert.ok(loaded.config && loaded.config.pipeline.length > 0, yaml);
        assert.deepEqual(await rig.buildErrors(...loaded.config.pipeline), [], yaml);
      }
    });
  }
});
