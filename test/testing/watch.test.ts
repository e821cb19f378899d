// `sluice test --watch`: runs again when a valve it uses is saved and when a test file is added;
// Ctrl-C ends it with the last run's exit code.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli-process.ts';
import { tempDir } from './helpers.ts';

test('sluice test --watch reruns on a saved valve and on a new test file; SIGINT exits with the last result', async (t) => {
  const { dir, cleanup } = await tempDir('valves', 'suite');
  t.after(cleanup);
  const run = runCli(['test', '--watch', 'suite'], { cwd: dir });
  t.after(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });
  await run.waitFor(/2 passed, 0 failed\nwatching for changes/);

  const valve = join(dir, 'valves/shout.js');
  await writeFile(valve, (await readFile(valve, 'utf8')).replace('toUpperCase()', 'toLowerCase()'));
  await run.waitFor(/1 passed, 1 failed\nwatching for changes/);
  assert.match(
    run.stdout(),
    /✖ suite\/shout\.test\.yaml › client text is upper-cased.*\n.*\n.*\n {8}- "HELLO!"\n {8}\+ "hello!"/,
  );

  await writeFile(
    join(dir, 'suite/extra.test.yaml'),
    'config: ./sluice.yaml\ncases:\n  - name: added later\n    steps: [{ fromClient: ping, expect: { toClient: [pong] } }]\n',
  );
  await run.waitFor(
    /✔ suite\/extra\.test\.yaml › added later\n(.*\n)*2 passed, 1 failed\nwatching for changes/,
  );

  run.child.kill('SIGINT');
  assert.equal(await run.exited, 1);
});
