// The embedding API: run Sluice inside a Node program.
//   const sluice = await createSluice({ upstream: { backends: [{ url: 'ws://127.0.0.1:9000' }] } });
//   await sluice.start(); … await sluice.shutdown();
import { loadConfigObject } from './config/index.ts';
import type { ResolvedConfig } from './config/model.ts';
import { type Logger, silentLogger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { Sluice } from './sluice.ts';
import type { ValveProvider } from './pipeline/provider.ts';
import { TrustedValves } from './pipeline/trusted/trusted-valves.ts';
import type { TrustedValvesOption } from './pipeline/trusted/types.ts';
import { Reloader } from './watch/reloader.ts';

export type { ResolvedConfig } from './config/model.ts';
export { loadConfigFile, loadConfigObject, loadConfigText } from './config/index.ts';
export type { ValveEntryInput, ValveProvider } from './pipeline/provider.ts';
export type {
  TrustedMessage,
  TrustedPayload,
  TrustedResult,
  TrustedValve,
  TrustedValveCtx,
  TrustedValveStatus,
  TrustedValvesOption,
} from './pipeline/trusted/types.ts';
export type { SessionInfo, WireMessage } from './pipeline/types.ts';
export { Sluice } from './sluice.ts';
export { startEchoBackend } from './testing/echo-backend.ts';
export {
  type HarnessOptions,
  PipelineHarness,
  PipelineLoadError,
  type RunSummary,
  runPipelineTests,
  type SessionOptions,
  type StepResult,
  TestHost,
} from './testing/index.ts';

export interface CreateSluiceOptions {
  logger?: Logger;
  /** Environment for `${VAR}` and wsbalancer's variables; default: none (the object is the truth). */
  env?: NodeJS.ProcessEnv;
  /** Directory valve paths are relative to; default: the current directory. */
  baseDir?: string;
  /** Watch valve files and hot-reload them; default false. */
  watch?: boolean;
  /** Given each new session, returns extra valve entries for it (run sandboxed, after `pipeline:`). */
  valveProvider?: ValveProvider;
  /**
   * Trusted in-process valves (plain objects with the valve hooks, NOT sandboxed), or a function
   * choosing them per session. They are the outer layer, on the client side: fromClient runs them
   * before the sandboxed pipeline, fromBackend after it. See docs/valves.md "Trusted valves".
   */
  trustedValves?: TrustedValvesOption;
}

/**
 * Builds a Sluice from a config object shaped like the config file (or an already resolved
 * config). Throws with every problem when the config or a valve is invalid; binds nothing until
 * `start()`.
 */
export async function createSluice(
  config: Record<string, unknown> | ResolvedConfig,
  options: CreateSluiceOptions = {},
): Promise<Sluice> {
  const resolved = isResolved(config) ? config : resolve(config, options);
  const logger = options.logger ?? silentLogger;
  const metrics = createMetrics({ instrumentation: resolved.server.enableInstrumentation });
  const trusted =
    options.trustedValves === undefined
      ? undefined
      : new TrustedValves(options.trustedValves, { logger, metrics });
  const pipeline = new Reloader({
    config: resolved,
    env: options.env ?? {},
    logger,
    metrics,
    watch: options.watch ?? false,
    provider: options.valveProvider,
    trusted,
  });
  const built = await pipeline.init();
  if (!built.ok) {
    await pipeline.stop();
    const lines = built.errors.map((e) => `${e.file}:${e.line}:${e.column}  ${e.message}`);
    throw new Error(`a valve failed to load:\n${lines.join('\n')}`);
  }
  return new Sluice(resolved, { logger, metrics, pipeline });
}

function isResolved(c: Record<string, unknown> | ResolvedConfig): c is ResolvedConfig {
  return 'baseDir' in c && 'pipeline' in c && Array.isArray((c as ResolvedConfig).pipeline);
}

function resolve(raw: Record<string, unknown>, options: CreateSluiceOptions): ResolvedConfig {
  const loaded = loadConfigObject(raw, options.baseDir ?? process.cwd(), options.env ?? {});
  if (!loaded.config) {
    const lines = loaded.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
    throw new Error(`invalid config:\n${lines.join('\n')}`);
  }
  return loaded.config;
}
