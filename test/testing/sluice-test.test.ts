// `sluice test` as a user runs it: a real child process, exit codes, the per-case lines, the
// summary line and the diff of a failing case.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { FIXTURES, tempDir } from './helpers.ts';

const lines = (s: string) => s.trimEnd().split('\n');

describe('sluice test', () => {
  test('a passing suite prints a ✔ line per case and exits 0 with "2 passed, 0 failed"', async () => {
    const r = await runCliToEnd(['test', 'suite'], { cwd: FIXTURES });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      '✔ suite/shout.test.yaml › client text is upper-cased, backend text passes',
      '✔ suite/shout.test.yaml › ping is answered by the valve, bye closes',
      '2 passed, 0 failed',
    ]);
  });

  test('a failing case exits 1 and shows the step, expected and actual', async () => {
    const r = await runCliToEnd(['test', 'failing'], { cwd: FIXTURES });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      '✔ failing/shout.test.yaml › upper-cases',
      '✖ failing/shout.test.yaml › expects the wrong text',
      '    step 1 (failing/shout.test.yaml:10): fromClient "hello"',
      '      toBackend (- expected, + actual):',
      '        - "hello"',
      '        + "HELLO"',
      '1 passed, 1 failed',
    ]);
  });

  test('an invalid test file exits 1 naming file:line:col, the key and a suggestion', async () => {
    const r = await runCliToEnd(['test', 'invalid'], { cwd: FIXTURES });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stdout), [
      'invalid/broken.test.yaml:8:9  cases[0].steps[1].fromClinet  unknown key "fromClinet" (did you mean "fromClient"?)',
      '✖ invalid/broken.test.yaml (not run)',
      '0 passed, 1 failed',
    ]);
  });

  test('usage errors exit 2: an unknown option, a path that does not exist', async () => {
    const opt = await runCliToEnd(['test', '--no-such-option'], { cwd: FIXTURES });
    assert.equal(opt.code, 2);
    assert.match(opt.stderr, /unknown option '--no-such-option'/);
    const path = await runCliToEnd(['test', 'nowhere'], { cwd: FIXTURES });
    assert.equal(path.code, 2);
    assert.match(path.stderr, /no such file or folder: nowhere/);
  });

  test('without paths it searches the current folder recursively and skips node_modules', async (t) => {
    const { dir, cleanup } = await tempDir('valves', 'failover');
    t.after(cleanup);
    await mkdir(join(dir, 'node_modules/dep'), { recursive: true });
    await writeFile(join(dir, 'node_modules/dep/x.test.yaml'), 'not: [a test file');
    const r = await runCliToEnd(['test'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(lines(r.stdout), [
      '✔ failover/resume.test.yaml › failover sends what the hook returned to the new backend',
      '1 passed, 0 failed',
    ]);
  });

  test('a folder without test files says so and exits 1', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const r = await runCliToEnd(['test'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /no \*\.test\.yaml files found in the current folder/);
  });

  test('the virtual clock: ctx.now() starts at 0, advance moves it, ctx.delay holds until it passes', async () => {
    const r = await runCliToEnd(['test', 'clock'], { cwd: FIXTURES });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(lines(r.stdout).at(-1), '3 passed, 0 failed');
  });

  test('a held message is not delivered before its delay: expecting it early fails', async (t) => {
    const { dir, cleanup } = await tempDir('valves');
    t.after(cleanup);
    await mkdir(join(dir, 'early'));
    await writeFile(
      join(dir, 'early/early.test.yaml'),
      [
        'pipeline: [{ valve: ../valves/pacer.js }]',
        'cases:',
        '  - name: too early',
        '    steps:',
        '      - fromClient: later:x',
        '      - advance: 999ms',
        '        expect: { toBackend: [x] }',
        '',
      ].join('\n'),
    );
    const r = await runCliToEnd(['test'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /step 2 \(early\/early\.test\.yaml:6\): advance 999ms\n.*\n {8}- "x"\n {8}\+ \(nothing arrived\)/,
    );
  });

  test('a failover step runs the failover hook; toBackend is what it returned', async () => {
    const r = await runCliToEnd(['test', 'failover'], { cwd: FIXTURES });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(lines(r.stdout).at(-1), '1 passed, 0 failed');
  });

  test("session: fields reach ctx.session; without them the config's first backend is used", async () => {
    const r = await runCliToEnd(['test', 'session/session.test.yaml'], { cwd: FIXTURES });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(lines(r.stdout).at(-1), '2 passed, 0 failed');
  });

  test('a valve that does not compile fails its cases with the valve file:line:col', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    await writeFile(join(dir, 'broken.js'), 'export function fromClient(msg) {\n  return msg.data +;\n}\n');
    await writeFile(
      join(dir, 'broken.test.yaml'),
      'pipeline: [{ valve: ./broken.js }]\ncases:\n  - name: one\n    steps: [{ fromClient: a }]\n',
    );
    const r = await runCliToEnd(['test'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /✖ broken\.test\.yaml › one\n {4}the pipeline did not load:\n {4}broken\.js:2:\d+ {2}SyntaxError/,
    );
    assert.equal(lines(r.stdout).at(-1), '0 passed, 1 failed');
  });
});
