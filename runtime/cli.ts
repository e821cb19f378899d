// The `sluice` command line (CONTRACT.md §1): run | check | test | replay | schema.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { runCheck } from './cli/check-command.ts';
import { runRun } from './cli/run-command.ts';
import { runNewValve } from './cli/new-command.ts';
import { runReplay } from './cli/replay-command.ts';
import { runSchema } from './cli/schema-command.ts';
import { runTest } from './cli/test-command.ts';
import { LOG_LEVEL_NAMES } from './log.ts';
import { execWithProxyNodeFlags } from './node-flags.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('sluice')
  .description('A stateful WebSocket balancer with a pipeline of sandboxed, hot-reloaded valves')
  .version(pkg.version)
  .exitOverride()
  .showHelpAfterError();

const logLevel = new Option(
  '--log-level <level>',
  'trace | debug | info | warn | error | fatal (env LOG_LEVEL)',
).choices(LOG_LEVEL_NAMES.flatMap((l) => [l, l.toUpperCase()]));

program
  .command('run')
  .description('start the balancer (default config ./sluice.yaml; none: BE_URLS, else the quickstart)')
  .argument('[config]', 'config file (YAML or JSON)')
  .option('--no-watch', 'do not hot-reload the config and valve files')
  .addOption(logLevel)
  .action(async (config: string | undefined, opts: { watch: boolean; logLevel?: string }) => {
    execWithProxyNodeFlags();
    process.exitCode = await runRun(config, opts);
  });

program
  .command('check')
  .description('validate the config, each valve and its options; print every problem')
  .argument('[config]', 'config file', 'sluice.yaml')
  .option('--json', 'print problems as JSON objects')
  .action(async (config: string, opts: { json?: boolean }) => {
    process.exitCode = await runCheck(config, opts);
  });

program
  .command('test')
  .description('run pipeline test files (*.test.yaml) locally; prints a line per case and N passed, N failed')
  .argument('[paths...]', 'test files or folders to search (default: the current folder)')
  .option('--watch', 'run again whenever a test file, config or valve changes')
  .action(async (paths: string[], opts: { watch?: boolean }) => {
    process.exitCode = await runTest(paths, opts);
  });

program
  .command('replay')
  .description('feed a recorded session (capture .jsonl) through the pipeline; print what reaches each side')
  .argument('<capture>', 'capture file (.jsonl)')
  .option('-c, --config <file>', 'config whose pipeline is replayed (default: ./sluice.yaml)')
  .option('--path <path>', 'request path the valves see (ctx.session.path, when: path); default /')
  .action(async (capture: string, opts: { config?: string; path?: string }) => {
    process.exitCode = await runReplay(capture, opts);
  });

program
  .command('new')
  .description('scaffold a new file')
  .command('valve')
  .description('create NAME.js (a valve that passes messages) and NAME.test.yaml (a passing test)')
  .argument('<name>', 'valve name (letters, digits, - and _)')
  .option('--dir <folder>', 'folder to create the files in', 'valves')
  .action(async (name: string, opts: { dir: string }) => {
    process.exitCode = await runNewValve(name, opts);
  });

program
  .command('schema')
  .description('print the config JSON Schema')
  .action(() => {
    process.exitCode = runSchema();
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; every other commander error is a usage error: exit 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
