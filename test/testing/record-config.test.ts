// The `record:` config section: defaults (off), resolved values, and problems at file:line:col.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatProblem, loadConfigText } from '../../runtime/config/index.ts';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { tempDir } from './helpers.ts';

const BASE = 'upstream:\n  backends: [{ url: ws://127.0.0.1:9090 }]\n';

describe('config record:', () => {
  test('defaults: no path (nothing recorded automatically), ./captures next to the config, 10MiB', () => {
    const { config, problems } = loadConfigText(BASE, '/srv/sluice/sluice.yaml', {});
    assert.deepEqual(problems, []);
    assert.deepEqual(config?.record, {
      dir: '/srv/sluice/captures',
      maxBytes: 10 * 1024 * 1024,
      path: undefined,
    });
  });

  test('dir relative to the config file, max-bytes as a size, path as a glob', () => {
    const text = `${BASE}record:\n  dir: ./caps\n  max-bytes: 1MiB\n  path: /ocpp/**\n`;
    const { config, problems } = loadConfigText(text, '/srv/sluice/sluice.yaml', {});
    assert.deepEqual(problems, []);
    assert.deepEqual(config?.record, { dir: '/srv/sluice/caps', maxBytes: 1024 * 1024, path: '/ocpp/**' });
  });

  test('a misspelt key and a bad size are errors at their line:col', () => {
    const text = `${BASE}record:\n  max-byte: 1MiB\n  dir: ./c\n`;
    const misspelt = loadConfigText(text, 'sluice.yaml', {});
    assert.equal(misspelt.config, undefined);
    assert.deepEqual(misspelt.problems.map(formatProblem), [
      'sluice.yaml:4:3  record.max-byte  unknown key "max-byte" (did you mean "max-bytes"?)',
    ]);
    const size = loadConfigText(`${BASE}record:\n  max-bytes: lots\n`, 'sluice.yaml', {});
    assert.equal(size.problems.length, 1);
    assert.match(formatProblem(size.problems[0]), /^sluice\.yaml:4:14 {2}record\.max-bytes {2}/);
  });

  test('sluice check accepts a config with record: (no unknown-section warning)', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    await writeFile(join(dir, 'sluice.yaml'), `${BASE}record: { path: '/**', max-bytes: 64KiB }\n`);
    const r = await runCliToEnd(['check'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout, 'sluice.yaml: valid (0 warnings)\n');
  });
});
