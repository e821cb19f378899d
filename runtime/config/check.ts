// `sluice check`: every problem of a config file, plus what a valve checker finds in each valve
// (its `with:` against the valve's options schema, compiling it); the CLI prints them.
import type { ConfigProblem, PipelineEntryConfig } from './model.ts';
import { type LoadOptions, loadFileDetailed } from './load.ts';
import { type ConfigLocation, sortProblems } from './problems.ts';
import { childPointer } from './pointer.ts';

/**
 * Checks one pipeline entry. `position` is where the entry is (`pipeline[1]`); `locate` finds a
 * place inside it, e.g. `locate('with', 'maxBytes')` for the key `pipeline[1].with.maxBytes`.
 */
export type ValveChecker = (
  entry: PipelineEntryConfig,
  position: ConfigLocation,
  locate: (...segments: (string | number)[]) => ConfigLocation,
) => ConfigProblem[] | Promise<ConfigProblem[]>;

export interface CheckOptions extends LoadOptions {
  checkValve?: ValveChecker;
}

/** Every problem in a config file (errors first), including each valve's when `checkValve` is given. */
export async function checkConfig(
  file: string,
  env: NodeJS.ProcessEnv,
  options: CheckOptions = {},
): Promise<ConfigProblem[]> {
  const load = await loadFileDetailed(file, env, options);
  const { checkValve } = options;
  const locator = load.locator;
  if (!checkValve || !locator) return load.problems;
  const problems = [...load.problems];
  for (const { entry, pointer } of load.valves) {
    const locate = (...segments: (string | number)[]) => {
      const { envKey: _, ...where } = locator.locate(
        segments.reduce<string>((p, s) => childPointer(p, s), pointer),
      );
      return where;
    };
    problems.push(...(await checkValve(entry, locate(), locate)));
  }
  return sortProblems(problems);
}

export { formatProblem, formatProblemsJson } from './problems.ts';
