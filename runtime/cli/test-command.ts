// `sluice test [paths…]`: runs pipeline test files (CONTRACT.md §4) in a real valve host with a
// virtual clock. Exit 0 all pass, 1 any failure or invalid file, 2 usage (a path that does not exist).
import { findTestFiles } from '../testing/discover.ts';
import { runPipelineTests } from '../testing/runner.ts';
import { watchPipelineTests } from '../testing/watch-tests.ts';

export async function runTest(paths: string[], opts: { watch?: boolean }): Promise<number> {
  if (opts.watch) {
    const stop = new AbortController();
    const abort = () => stop.abort();
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    return watchPipelineTests(paths, { signal: stop.signal });
  }
  const found = await findTestFiles(paths);
  if (!found.ok) {
    process.stderr.write(
      `sluice test: no such file or folder: ${found.missing.join(', ')}\n` +
        'give test files (*.test.yaml) or folders to search, or nothing for the current folder\n',
    );
    return 2;
  }
  if (found.files.length === 0) {
    const where = paths.length > 0 ? paths.join(', ') : 'the current folder';
    process.stdout.write(`sluice test: no *.test.yaml files found in ${where}\n`);
    return 1;
  }
  const summary = await runPipelineTests(found.files);
  return summary.failed > 0 ? 1 : 0;
}
