// The loading pipeline: parse → drop other tools' sections → ${VAR} → wsbalancer spellings → env →
// BE_URLS backends → coerce → ajv (defaults filled) → cross-key checks → valve files → resolve.
// Every problem is collected (not just the first); the config is returned only without errors.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { coerce } from './coerce.ts';
import { applyEnv } from './env.ts';
import type { ConfigProblem, LoadResult, PipelineEntryConfig } from './model.ts';
import { acceptLegacyKeys, dropUnknownSections, expandUrlBackends } from './normalize.ts';
import { parseConfigText } from './parse.ts';
import { resolvePipeline } from './pipeline.ts';
import { isRecord } from './pointer.ts';
import { fileProblem, Locator, sortProblems } from './problems.ts';
import { resolveConfig } from './resolve.ts';
import { configSchema } from './schema.ts';
import { checkSemantics } from './semantic.ts';
import { substituteTree, type SubstitutionError } from './substitute.ts';
import type { SluiceConfigFile } from './types.generated.ts';
import { validateConfig } from './validate.ts';

export interface LoadOptions {
  /** Where built-in valves are looked up (default: valves/ of this package). For tests. */
  builtinValvesDir?: string;
}

/** A load plus what `sluice check` needs to check each valve. */
export interface DetailedLoad extends LoadResult {
  locator: Locator | undefined;
  /** Pipeline entries whose keys are valid and whose valve file exists. */
  valves: { entry: PipelineEntryConfig; pointer: string }[];
}

/** Reads and loads a config file; problems carry `file` as given. */
export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): Promise<LoadResult> {
  return strip(await loadFileDetailed(file, env, options));
}

/** Loads config text (hot reload, tests); `file` names it in problems and picks YAML or JSON. */
export function loadConfigText(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): LoadResult {
  return strip(loadTextDetailed(text, file, env, options));
}

/** No file: the environment (BE_URLS, FE_ADDR, …) and the defaults, as wsbalancer without -config. */
export function loadConfigFromEnv(
  env: NodeJS.ProcessEnv,
  baseDir: string,
  options: LoadOptions = {},
): LoadResult {
  const locator = new Locator('env', new Map(), { line: 0, column: 0 });
  return strip(loadValue({}, locator, env, undefined, resolve(baseDir), options, []));
}

/** Embedding: a plain object shaped like the file (kebab-case keys, duration strings). */
export function loadConfigObject(
  raw: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): LoadResult {
  const locator = new Locator('<config object>', new Map(), { line: 0, column: 0 });
  let value: unknown;
  try {
    value = structuredClone(raw);
  } catch (e) {
    const message = `the config object must hold plain data only (no functions or class instances): ${(e as Error).message}`;
    return { config: undefined, problems: [fileProblem('<config object>', message)] };
  }
  return strip(loadValue(value, locator, env, undefined, resolve(baseDir), options, []));
}

/** loadConfigFile, also returning the located pipeline entries. */
export async function loadFileDetailed(
  file: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): Promise<DetailedLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message =
      err.code === 'ENOENT'
        ? `config file not found: ${resolve(file)}`
        : err.code === 'EISDIR'
          ? `${resolve(file)} is a directory: give the config file itself`
          : `cannot read the config file: ${err.message}`;
    return { config: undefined, problems: [fileProblem(file, message)], locator: undefined, valves: [] };
  }
  return loadTextDetailed(text, file, env, options);
}

/** loadConfigText, also returning the located pipeline entries. */
export function loadTextDetailed(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  options: LoadOptions = {},
): DetailedLoad {
  const parsed = parseConfigText(text, file);
  if (parsed.value === undefined) {
    return { config: undefined, problems: sortProblems(parsed.problems), locator: undefined, valves: [] };
  }
  const locator = new Locator(file, parsed.positions, { line: 1, column: 1 });
  const absolute = resolve(file);
  return loadValue(parsed.value, locator, env, absolute, dirname(absolute), options, parsed.problems);
}

function loadValue(
  value: unknown,
  locator: Locator,
  env: NodeJS.ProcessEnv,
  file: string | undefined,
  baseDir: string,
  options: LoadOptions,
  problems: ConfigProblem[],
): DetailedLoad {
  if (value === null || value === undefined) {
    problems.push(locator.problem('', 'config is empty: add at least upstream.backends'));
    return { config: undefined, problems: sortProblems(problems), locator, valves: [] };
  }
  if (!isRecord(value)) {
    const got = Array.isArray(value) ? 'a list' : `the scalar ${JSON.stringify(value)}`;
    problems.push(
      locator.problem(
        '',
        `the config must be a mapping of sections (server, upstream, pipeline), not ${got}`,
      ),
    );
    return { config: undefined, problems: sortProblems(problems), locator, valves: [] };
  }
  problems.push(...dropUnknownSections(value, locator));
  const substitution: SubstitutionError[] = [];
  substituteTree(value, env, '', substitution);
  for (const s of substitution) problems.push(locator.problem(s.pointer, s.message));
  problems.push(...acceptLegacyKeys(value, locator));
  applyEnv(value, env, locator);
  problems.push(...expandUrlBackends(value, locator));
  coerce(value, configSchema, '', locator, problems);
  problems.push(...validateConfig(value, locator));
  problems.push(...checkSemantics(value, locator));
  const entries = resolvePipeline(value.pipeline, baseDir, locator, problems, options.builtinValvesDir);

  const sorted = sortProblems(problems);
  const errors = sorted.filter((p) => p.severity === 'error');
  // Valve checks only make sense for entries without problems of their own.
  const valves = entries.filter(({ pointer }) => {
    const base = locator.locate(pointer).path;
    return !errors.some(
      (p) => p.path === base || p.path.startsWith(`${base}.`) || p.path.startsWith(`${base}[`),
    );
  });
  if (errors.length > 0) return { config: undefined, problems: sorted, locator, valves };
  const config = resolveConfig(
    value as SluiceConfigFile,
    file,
    baseDir,
    entries.map((e) => e.entry),
  );
  return { config, problems: sorted, locator, valves };
}

function strip({ config, problems }: DetailedLoad): LoadResult {
  return { config, problems };
}
