import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkConfig,
  type ConfigProblem,
  formatProblem,
  formatProblemsJson,
} from '../../../runtime/config/index.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/config');
const BUILTINS = resolve(FIXTURES, 'builtin-valves');

describe('sluice check', () => {
  test('a valid file has no problems', async () => {
    assert.deepEqual(
      await checkConfig(
        resolve(FIXTURES, 'sluice.yaml'),
        { SLUICE_ADMIN_TOKEN: 't' },
        { builtinValvesDir: BUILTINS },
      ),
      [],
    );
  });

  test('the valve hook sees every resolved entry and can point inside it', async () => {
    const seen: string[] = [];
    const problems = await checkConfig(
      resolve(FIXTURES, 'sluice.yaml'),
      { SLUICE_ADMIN_TOKEN: 't' },
      {
        builtinValvesDir: BUILTINS,
        checkValve: (entry, position, locate) => {
          seen.push(`${entry.valve}@${position.path}:${position.line}`);
          if (entry.valve !== 'size-limit') return [];
          const at = locate('with', 'maxBytes');
          return [
            { ...at, message: 'maxBytes too large for the demo', severity: 'error' } satisfies ConfigProblem,
          ];
        },
      },
    );
    assert.deepEqual(seen, ['size-limit@pipeline[0]:13', './valves/redact.js@pipeline[1]:15']);
    assert.deepEqual(problems.map(formatProblem), [
      `${resolve(FIXTURES, 'sluice.yaml')}:14:23  pipeline[0].with.maxBytes  maxBytes too large for the demo`,
    ]);
  });

  test('problems print as file:line:col  path  message and as JSON objects', () => {
    const problem: ConfigProblem = {
      file: 'sluice.yaml',
      line: 3,
      column: 5,
      path: 'server.frontend.adress',
      message: 'unknown key "adress"',
      severity: 'error',
    };
    const env: ConfigProblem = {
      file: 'env',
      line: 0,
      column: 0,
      path: 'BE_PING_TIME',
      message: 'bad',
      severity: 'error',
    };
    assert.equal(formatProblem(problem), 'sluice.yaml:3:5  server.frontend.adress  unknown key "adress"');
    assert.equal(formatProblem(env), 'env BE_PING_TIME  bad');
    assert.deepEqual(JSON.parse(formatProblemsJson([problem, env])), [problem, env]);
  });

  test('a file with errors reports all of them, errors before warnings', async () => {
    const problems = await checkConfig(resolve(FIXTURES, 'broken.yaml'), {});
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.line}:${p.column} ${p.path}`),
      [
        'error 3:5 server.frontend.adress',
        'error 5:14 server.admin.address',
        'error 6:1 upstream.backends',
        'error 8:3 upstream.backend',
        'warning 10:1 test-clients',
      ],
    );
  });
});
