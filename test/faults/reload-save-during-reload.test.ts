// A save that lands while the previous reload is being applied must not be lost (FAULTS.md §3.27
// "the final content is live"). The reloader re-runs FileWatcher.track() after every applied
// reload; this plays that sequence on the watcher itself, with the save in between (a regression
// test: track() used to take the file's current hash as the baseline and lose that save).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileWatcher } from '../../runtime/watch/file-watcher.ts';
import { delay } from '../helpers/wait.ts';

test('a save between a reload reading its sources and the watcher re-arming is still reloaded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-watch-'));
  const file = join(dir, 'v.js');
  writeFileSync(file, 'v1');
  const seen: string[][] = [];
  const watcher: FileWatcher = new FileWatcher({
    debounceMs: 20,
    onChange: (changed) => {
      seen.push(changed);
      if (seen.length === 1) {
        // what the reloader does: build from the sources (v2), then re-arm the watcher; the
        // user's next save (v3) lands in between
        writeFileSync(file, 'v3');
        void watcher.track([file]);
      }
    },
  });
  t.after(async () => {
    await watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await watcher.track([file]);
  await delay(500); // chokidar is ready (FileWatcher has no ready event)
  writeFileSync(file, 'v2');
  // past the settle time and one 3 s safety-net rescan
  for (let i = 0; i < 80 && seen.length < 2; i++) await delay(50);
  assert.equal(seen.length, 2, 'the v3 save was reported too');
});
