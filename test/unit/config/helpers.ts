// Small helpers shared by the config tests.
import assert from 'node:assert/strict';
import {
  type ConfigProblem,
  formatProblem,
  type LoadResult,
  loadConfigText,
} from '../../../runtime/config/index.ts';

export const BACKEND = 'upstream:\n  backends:\n    - url: ws://127.0.0.1:9090\n';

/** Loads YAML text as `sluice.yaml` in the current folder. */
export function load(text: string, env: NodeJS.ProcessEnv = {}): LoadResult {
  return loadConfigText(text, 'sluice.yaml', env);
}

/** Loads and asserts there is no error; returns the config. */
export function loadValid(text: string, env: NodeJS.ProcessEnv = {}) {
  const result = load(text, env);
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(errors.map(formatProblem), []);
  assert.ok(result.config);
  return result.config;
}

/** The formatted errors of a load. */
export function errorsOf(result: LoadResult): string[] {
  assert.equal(result.config, undefined, 'a config with errors must not be returned');
  return result.problems.filter((p) => p.severity === 'error').map(formatProblem);
}

/** The formatted warnings of a load. */
export function warningsOf(result: LoadResult): string[] {
  return result.problems.filter((p) => p.severity === 'warning').map(formatProblem);
}

/** The single problem matching `path`. */
export function problemAt(result: LoadResult, path: string): ConfigProblem {
  const found = result.problems.filter((p) => p.path === path);
  assert.equal(
    found.length,
    1,
    `expected one problem at ${path}, got: ${result.problems.map(formatProblem).join('\n')}`,
  );
  return found[0];
}
