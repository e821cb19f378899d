// `sluice new valve NAME`: the scaffold is usable as generated (sluice test and sluice check pass)
// and never overwrites a file.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { tempDir } from './helpers.ts';

describe('sluice new valve', () => {
  test('creates NAME.js and NAME.test.yaml that pass sluice test and sluice check as generated', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const made = await runCliToEnd(['new', 'valve', 'ocpp-guard'], { cwd: dir });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^created valves\/ocpp-guard\.js\ncreated valves\/ocpp-guard\.test\.yaml\n/);
    const source = await readFile(join(dir, 'valves/ocpp-guard.js'), 'utf8');
    assert.match(source, /export const options = \{/);
    assert.match(source, /export function fromClient\(msg, ctx\)/);
    assert.match(source, /export function fromBackend\(msg, ctx\)/);
    assert.match(source, /import\('sluice\/valves\/valve'\)\.Ctx/);

    const tested = await runCliToEnd(['test'], { cwd: dir });
    assert.equal(tested.code, 0, tested.stdout);
    assert.deepEqual(tested.stdout.trimEnd().split('\n'), [
      '✔ valves/ocpp-guard.test.yaml › ocpp-guard passes messages both ways',
      '1 passed, 0 failed',
    ]);

    // the snippet the command prints is a working pipeline entry
    const entry = /use it in sluice\.yaml:\n {2}pipeline:\n {4}- valve: (\S+)/.exec(made.stdout)?.[1];
    assert.equal(entry, './valves/ocpp-guard.js');
    await writeFile(
      join(dir, 'sluice.yaml'),
      `upstream:\n  backends: [{ url: ws://127.0.0.1:9090 }]\npipeline:\n  - valve: ${entry}\n    with: { tag: x }\n`,
    );
    const checked = await runCliToEnd(['check'], { cwd: dir });
    assert.equal(checked.code, 0, checked.stdout);
    assert.equal(checked.stdout, 'sluice.yaml: valid (0 warnings)\n');
  });

  test('refuses to overwrite: exit 1, a clear message, the file unchanged', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    assert.equal((await runCliToEnd(['new', 'valve', 'tagger', '--dir', 'lib'], { cwd: dir })).code, 0);
    await writeFile(join(dir, 'lib/tagger.js'), '// mine\nexport function fromClient() {}\n');
    const again = await runCliToEnd(['new', 'valve', 'tagger', '--dir', 'lib'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /lib\/tagger\.js and lib\/tagger\.test\.yaml already exist; nothing was written/,
    );
    assert.equal(
      await readFile(join(dir, 'lib/tagger.js'), 'utf8'),
      '// mine\nexport function fromClient() {}\n',
    );
  });

  test('a name that is not a valid file name is a usage error (exit 2)', async (t) => {
    const { dir, cleanup } = await tempDir();
    t.after(cleanup);
    const r = await runCliToEnd(['new', 'valve', '../evil'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"\.\.\/evil" is not a valve name/);
  });
});
