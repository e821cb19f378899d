// `sluice run [config]`: picks the config source (file, BE_URLS, or the embedded quickstart),
// refuses a bad config with exit 1 before opening any port, then serves until a signal.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProblem, loadConfigFile, loadConfigFromEnv } from '../config/index.ts';
import type { LoadResult } from '../config/model.ts';
import { exitOnSignals, surviveInternalErrors } from '../lifecycle.ts';
import { createLogger, parseLogLevel } from '../log.ts';
import { type Quickstart, startQuickstart } from '../quickstart.ts';
import { createMetrics } from '../metrics.ts';
import { Sluice } from '../sluice.ts';
import { Reloader } from '../watch/reloader.ts';

export interface RunOptions {
  watch: boolean;
  logLevel?: string;
}

/** Runs the balancer; resolves with the exit code only when startup fails. */
export async function runRun(file: string | undefined, opts: RunOptions): Promise<number> {
  let loaded: LoadResult;
  let cleanup: (() => Promise<void>) | undefined;
  let banner: Quickstart['banner'] | undefined;
  if (file !== undefined && !existsSync(file)) {
    process.stderr.write(`sluice: config file not found: ${resolve(file)}\n`);
    return 1;
  }
  const path = file ?? (existsSync('sluice.yaml') ? 'sluice.yaml' : undefined);
  if (path) {
    loaded = await loadConfigFile(path, process.env);
  } else if (process.env.BE_URLS) {
    loaded = loadConfigFromEnv(process.env, process.cwd());
  } else {
    const qs = await startQuickstart(process.env);
    loaded = qs.loaded;
    cleanup = qs.stop;
    banner = qs.banner;
  }
  for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
  const config = loaded.config;
  if (!config) {
    process.stderr.write('sluice: the config has errors (above); nothing was started\n');
    await cleanup?.();
    return 1;
  }
  const level = (opts.logLevel && parseLogLevel(opts.logLevel)) || config.server.loggingLevel;
  const logger = createLogger(level);
  const metrics = createMetrics({ instrumentation: config.server.enableInstrumentation });
  const pipeline = new Reloader({ config, env: process.env, logger, metrics, watch: opts.watch });
  const built = await pipeline.init().catch((err: unknown) => ({
    ok: false as const,
    errors: [{ valve: '', file: '', line: 0, column: 0, message: String(err) }],
    warnings: [],
  }));
  for (const w of built.warnings)
    process.stderr.write(`${w.file}:${w.line}:${w.column}  warning: ${w.message}\n`);
  if (!built.ok) {
    for (const e of built.errors) process.stderr.write(`${e.file}:${e.line}:${e.column}  ${e.message}\n`);
    process.stderr.write('sluice: a valve failed to load (above); nothing was started\n');
    await pipeline.stop();
    await cleanup?.();
    return 1;
  }
  let sluice: Sluice;
  try {
    sluice = new Sluice(config, { logger, metrics, pipeline });
    const addr = await sluice.start();
    logger.info({ frontend: addr.frontend, admin: addr.admin }, 'sluice started');
    const fe = `${addr.frontend.address}:${addr.frontend.port}`;
    const adm = `${addr.admin.host}:${addr.admin.port}`;
    if (banner) process.stdout.write(banner(fe, adm));
    else process.stdout.write(`sluice: listening on ws://${fe}/ (admin http://${adm}/)\n`);
  } catch (err) {
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    await pipeline.stop();
    await cleanup?.();
    return 1;
  }
  exitOnSignals(sluice, logger);
  surviveInternalErrors(logger);
  return 0;
}
