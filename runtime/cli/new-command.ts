// `sluice new valve NAME [--dir valves]`: scaffolds a valve and its test file. Exit 0 created,
// 1 a file already exists (nothing is written), 2 an invalid name.
import { relative } from 'node:path';
import { scaffoldValve, VALVE_NAME } from '../testing/scaffold.ts';

export async function runNewValve(name: string, opts: { dir: string }): Promise<number> {
  if (!VALVE_NAME.test(name)) {
    process.stderr.write(
      `sluice new valve: "${name}" is not a valve name: use letters, digits, - and _ (e.g. ocpp-guard)\n`,
    );
    return 2;
  }
  const result = await scaffoldValve(name, opts.dir);
  if (!result.ok) {
    process.stderr.write(
      `sluice new valve: ${result.existing.join(' and ')} already exist${result.existing.length === 1 ? 's' : ''}; ` +
        'nothing was written. Pick another name or --dir, or remove the file first.\n',
    );
    return 1;
  }
  const [valve, test] = result.files.map((f) => relative(process.cwd(), f) || f);
  process.stdout.write(
    `created ${valve}\ncreated ${test}\n\n` +
      `run its test:   npx sluice test ${test}\n` +
      `use it in sluice.yaml:\n  pipeline:\n    - valve: ./${valve.replaceAll('\\', '/')}\n`,
  );
  return 0;
}
