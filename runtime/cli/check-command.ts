// `sluice check [config]`: every problem as `file:line:col  path  message`; exit 1 on errors.
import { checkConfig, formatProblem, formatProblemsJson } from '../config/index.ts';

export async function runCheck(file: string, opts: { json?: boolean }): Promise<number> {
  const problems = await checkConfig(file, process.env);
  if (opts.json) {
    process.stdout.write(`${formatProblemsJson(problems)}\n`);
  } else {
    for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    process.stdout.write(
      errors === 0
        ? `${file}: valid (${warnings} warning${warnings === 1 ? '' : 's'})\n`
        : `${file}: ${errors} error${errors === 1 ? '' : 's'}\n`,
    );
  }
  return problems.some((p) => p.severity === 'error') ? 1 : 0;
}
