// `sluice check [config]`: every problem as `file:line:col  path  message`; exit 1 on errors.
// Valves are compiled in a real valve host, and each valve's `with:` is checked against its own
// `options` schema, exactly as `sluice run` would load them.
import { checkConfig, formatProblem, formatProblemsJson, loadConfigFile } from '../config/index.ts';
import type { ConfigProblem } from '../config/model.ts';
import { silentLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { ValveHost } from '../sandbox/valve-host.ts';

export async function runCheck(file: string, opts: { json?: boolean }): Promise<number> {
  const problems = await checkConfig(file, process.env);
  if (!problems.some((p) => p.severity === 'error')) problems.push(...(await checkValves(file)));
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

/** Compiles every valve of the config in a valve host; its errors and warnings as problems. */
async function checkValves(file: string): Promise<ConfigProblem[]> {
  const loaded = await loadConfigFile(file, process.env);
  const entries = loaded.config?.pipeline ?? [];
  if (entries.length === 0) return [];
  const host = await ValveHost.start({
    logger: silentLogger,
    metrics: createMetrics({ instrumentation: false, defaultMetrics: false }),
  });
  try {
    const built = await host.build(entries);
    const toProblem =
      (severity: 'error' | 'warning') =>
      (e: { valve: string; file: string; line: number; column: number; message: string }): ConfigProblem => ({
        file: e.file,
        line: e.line,
        column: e.column,
        path: `pipeline[${Math.max(
          0,
          entries.findIndex((x) => x.valve === e.valve),
        )}]`,
        message: e.message,
        severity,
      });
    return [
      ...(built.ok ? [] : built.errors.map(toProblem('error'))),
      ...built.warnings.map(toProblem('warning')),
    ];
  } finally {
    await host.stop();
  }
}
