// The pipeline a test runs: the `pipeline:` of a config file, or entries written inline (valve
// paths relative to a base directory), loaded exactly as `sluice run` loads them.
import { resolve } from 'node:path';
import { loadConfigFile, loadConfigObject, loadConfigText } from '../config/index.ts';
import type { ConfigProblem, PipelineEntryConfig } from '../config/model.ts';

/** A loaded pipeline, or the problems (with file:line:col) that stop it from loading. */
export type LoadedPipeline =
  | { ok: true; entries: PipelineEntryConfig[]; backend: { id: string; url: string } | undefined }
  | { ok: false; problems: ConfigProblem[] };

// Inline pipelines need no backend, but the config loader requires one: this one is never dialled.
const PLACEHOLDER_BACKENDS = 'ws://127.0.0.1:9';
/** Top-level keys of a test file that the config loader would warn about. */
const TEST_FILE_KEYS = new Set(['config', 'cases', '$schema']);

/** Loads a config file's pipeline; its first backend becomes the sessions' default backend. */
export async function loadPipelineFromConfig(file: string, env: NodeJS.ProcessEnv): Promise<LoadedPipeline> {
  const loaded = await loadConfigFile(file, env);
  if (!loaded.config) return { ok: false, problems: loaded.problems.filter((p) => p.severity === 'error') };
  const b = loaded.config.upstream.backends[0];
  return { ok: true, entries: loaded.config.pipeline, backend: b && { id: b.id, url: b.url } };
}

/** Loads inline entries (plain objects shaped like `pipeline:` items), valve paths relative to `baseDir`. */
export function loadPipelineObject(
  pipeline: unknown[],
  baseDir: string,
  env: NodeJS.ProcessEnv,
): LoadedPipeline {
  const loaded = loadConfigObject(
    { upstream: { backends: [{ url: PLACEHOLDER_BACKENDS }] }, pipeline },
    resolve(baseDir),
    env,
  );
  if (!loaded.config) return { ok: false, problems: loaded.problems.filter((p) => p.severity === 'error') };
  return { ok: true, entries: loaded.config.pipeline, backend: undefined };
}

/**
 * Loads the inline `pipeline:` of a test file from its text, so problems point at the test file's
 * own lines; valve paths are relative to the test file.
 */
export function loadPipelineFromTestText(text: string, file: string, env: NodeJS.ProcessEnv): LoadedPipeline {
  const withBackend: NodeJS.ProcessEnv = { ...env, BE_URLS: PLACEHOLDER_BACKENDS };
  delete withBackend.BE_URL_IDS;
  const loaded = loadConfigText(text, file, withBackend);
  const problems = loaded.problems.filter((p) => p.severity === 'error' && !TEST_FILE_KEYS.has(p.path));
  if (!loaded.config || problems.length > 0) return { ok: false, problems };
  return { ok: true, entries: loaded.config.pipeline, backend: undefined };
}
