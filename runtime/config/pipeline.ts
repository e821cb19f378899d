// `pipeline:` entries → PipelineEntryConfig: the valve resolved to a file (built-in name or a
// path relative to the config file), `when` normalised. Valves are not compiled here.
import { readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import type { ConfigProblem, PipelineEntryConfig, WhenClause } from './model.ts';
import { childPointer, isRecord } from './pointer.ts';
import type { Locator } from './problems.ts';
import { parseDuration } from './duration.ts';
import { didYouMean } from './suggest.ts';
import type { PipelineEntry } from './types.generated.ts';

/** Where built-in valves live: valves/ at the package root. */
export const BUILTIN_VALVES_DIR = resolve(import.meta.dirname, '../../valves');

const VALVE_EXTENSIONS = new Set(['.js', '.mjs', '.ts']);

/** The names of the built-in valves (valves/NAME.js). */
export function builtinValveNames(dir: string = BUILTIN_VALVES_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

/** True when `valve` names a built-in (a bare name such as `size-limit`) rather than a path. */
export function isBuiltinName(valve: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(valve);
}

/** The absolute file of a valve, or why it cannot be used. */
export function resolveValveFile(
  valve: string,
  baseDir: string,
  builtinDir: string = BUILTIN_VALVES_DIR,
): { file: string; builtin: boolean } | { error: string } {
  if (isBuiltinName(valve)) {
    const file = resolve(builtinDir, `${valve}.js`);
    if (isFile(file)) return { file, builtin: true };
    const names = builtinValveNames(builtinDir);
    const list = names.length > 0 ? `; built-in valves: ${names.join(', ')}` : '';
    return {
      error: `unknown built-in valve "${valve}"${didYouMean(valve, names)}${list}. For a valve of your own write a path such as ./valves/${valve}.js`,
    };
  }
  const file = isAbsolute(valve) ? valve : resolve(baseDir, valve);
  if (!VALVE_EXTENSIONS.has(extname(file))) {
    return { error: `valve file ${file} must end in .js, .mjs or .ts` };
  }
  if (!isFile(file)) {
    const from = isAbsolute(valve) ? '' : ` (${valve} relative to ${baseDir})`;
    return { error: `valve file not found: ${file}${from}` };
  }
  return { file, builtin: false };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Checks each entry's valve file and `when` patterns; returns the entries that resolve. */
export function resolvePipeline(
  entries: unknown,
  baseDir: string,
  locator: Locator,
  problems: ConfigProblem[],
  builtinDir?: string,
): { entry: PipelineEntryConfig; pointer: string }[] {
  if (!Array.isArray(entries)) return [];
  const out: { entry: PipelineEntryConfig; pointer: string }[] = [];
  entries.forEach((raw: unknown, i) => {
    const pointer = childPointer('/pipeline', i);
    if (!isRecord(raw) || typeof raw.valve !== 'string') return; // validation reports it
    const found = resolveValveFile(raw.valve, baseDir, builtinDir);
    if ('error' in found) {
      problems.push(locator.problem(`${pointer}/valve`, found.error));
      return;
    }
    const when = resolveWhen(raw.when, `${pointer}/when`, locator, problems);
    const e = raw as unknown as PipelineEntry; // validated, defaults filled in
    try {
      out.push({
        pointer,
        entry: {
          valve: e.valve,
          file: found.file,
          builtin: found.builtin,
          with: e.with!,
          when,
          timeoutMs: parseDuration(e.timeout!),
          memoryMb: e['memory-mb']!,
          onError: e['on-error']!,
          isolate: e.isolate!,
        },
      });
    } catch {
      // a bad timeout: validation reports it
    }
  });
  return out;
}

function resolveWhen(
  raw: unknown,
  pointer: string,
  locator: Locator,
  problems: ConfigProblem[],
): WhenClause | undefined {
  if (!isRecord(raw)) return undefined;
  const when: WhenClause = {};
  if (typeof raw.path === 'string') when.path = raw.path;
  if (typeof raw.subprotocol === 'string') when.subprotocol = raw.subprotocol;
  if (isRecord(raw.headers)) {
    when.headers = {};
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string') continue;
      const regex = /^\/(.*)\/([a-z]*)$/s.exec(value);
      if (regex) {
        try {
          new RegExp(regex[1], regex[2]);
        } catch (e) {
          problems.push(
            locator.problem(
              childPointer(`${pointer}/headers`, name),
              `invalid regular expression: ${(e as Error).message}`,
            ),
          );
        }
      }
      when.headers[name.toLowerCase()] = value;
    }
  }
  return when;
}
