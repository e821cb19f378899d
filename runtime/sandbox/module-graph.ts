// Loads a valve's module and the modules it imports (relative, from the valve's own folder down)
// into an isolate. Runs in the valve host. `.ts` files have their types stripped (positions kept).
// Every failure is a LoadFailure naming the file, line and column.
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type ivm from 'isolated-vm';

/** A load error with the position it points at (1-based; 1:1 when the position is unknown). */
export class LoadFailure extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(file: string, line: number, column: number, message: string) {
    super(message);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** Reads a source (from `sources` when the proxy sent it, else from disk) and records it there. */
export function readSource(file: string, sources: Map<string, string>): string {
  const known = sources.get(file);
  if (known !== undefined) return known;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'file not found'
        : err.code === 'EACCES'
          ? 'permission denied (EACCES)'
          : err.message;
    throw new LoadFailure(file, 1, 1, `cannot read valve source: ${why}`);
  }
  sources.set(file, text);
  return text;
}

/** JavaScript for a source: `.ts`/`.mts` stripped of types (whitespace keeps every position). */
export function toJavaScript(file: string, text: string): string {
  if (!file.endsWith('.ts') && !file.endsWith('.mts')) return text;
  try {
    return stripTypeScriptTypes(text, { mode: 'strip' });
  } catch (e) {
    const m = /(\d+):(\d+)/.exec(String((e as Error).message));
    throw new LoadFailure(
      file,
      m ? Number(m[1]) : 1,
      m ? Number(m[2]) + 1 : 1,
      (e as Error).message.split('\n')[0],
    );
  }
}

/** `[file:///x.js:2:13]` or `at file:///x.js:2:13` in an isolate error → position. */
export function positionOf(e: unknown, fallbackFile: string): { file: string; line: number; column: number } {
  const text = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  const m = /(file:\/\/[^\s)\]]+?):(\d+):(\d+)/.exec(text);
  if (!m) return { file: fallbackFile, line: 1, column: 1 };
  return { file: fileURLToPath(m[1]), line: Number(m[2]), column: Number(m[3]) };
}

function lineColOf(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = text.indexOf('\n'); k !== -1 && k < index; k = text.indexOf('\n', k + 1)) {
    line++;
    last = k;
  }
  return { line, column: index - last };
}

/**
 * Compiles a valve's entry module and its imports into `isolate`, linked into `context`. Compiling
 * and linking run on the isolate's thread (async calls), not on the host's.
 */
export async function compileValveModules(
  isolate: ivm.Isolate,
  context: ivm.Context,
  entry: string,
  sources: Map<string, string>,
  cache: Map<string, ivm.Module>,
): Promise<ivm.Module> {
  const root = dirname(entry);
  const pathOf = new Map<ivm.Module, string>();
  for (const [p, m] of cache) pathOf.set(m, p);
  const compiling = new Map<string, Promise<ivm.Module>>();

  const compile = (file: string): Promise<ivm.Module> => {
    const cached = cache.get(file);
    if (cached !== undefined) return Promise.resolve(cached);
    let p = compiling.get(file); // a module imported twice while compiling: compile it once
    if (p === undefined) {
      p = compileOne(file);
      compiling.set(file, p);
    }
    return p;
  };

  const compileOne = async (file: string): Promise<ivm.Module> => {
    const js = toJavaScript(file, readSource(file, sources));
    let mod: ivm.Module;
    try {
      mod = await isolate.compileModule(js, { filename: pathToFileURL(file).href });
    } catch (e) {
      const p = positionOf(e, file);
      const err = e as Error;
      // keep the kind of error in the message: `SyntaxError: Unexpected token ';'` (docs/valves.md)
      const text = err.message.replace(/\s*\[file:[^\]]*\]$/, '');
      throw new LoadFailure(p.file, p.line, p.column, err.name ? `${err.name}: ${text}` : text);
    }
    cache.set(file, mod);
    pathOf.set(mod, file);
    return mod;
  };

  let failure: LoadFailure | undefined; // isolated-vm may wrap what the resolver throws
  const resolveImport = async (specifier: string, referrer: ivm.Module): Promise<ivm.Module> => {
    try {
      return await resolveOne(specifier, referrer);
    } catch (e) {
      if (e instanceof LoadFailure) failure ??= e;
      throw e;
    }
  };

  const resolveOne = async (specifier: string, referrer: ivm.Module): Promise<ivm.Module> => {
    const from = pathOf.get(referrer) ?? entry;
    const text = sources.get(from) ?? '';
    const at = lineColOf(text, Math.max(0, text.indexOf(specifier)));
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
      throw new LoadFailure(
        from,
        at.line,
        at.column,
        `cannot import '${specifier}': a valve may only import its own files with a relative path ('./x.js'); packages and node: modules are not available in the sandbox`,
      );
    }
    const target = resolve(dirname(from), specifier);
    if (target !== root && !target.startsWith(root + sep)) {
      throw new LoadFailure(
        from,
        at.line,
        at.column,
        `cannot import '${specifier}': it is outside the valve's folder ${root} (valves import only from their own folder down)`,
      );
    }
    try {
      return await compile(target);
    } catch (e) {
      if (e instanceof LoadFailure && e.line === 1 && e.message.startsWith('cannot read')) {
        throw new LoadFailure(
          from,
          at.line,
          at.column,
          `cannot import '${specifier}' (${relative(root, target)}): ${e.message}`,
        );
      }
      throw e;
    }
  };

  const mod = await compile(entry);
  try {
    await mod.instantiate(context, resolveImport);
  } catch (e) {
    if (failure !== undefined) throw failure;
    if (e instanceof LoadFailure) throw e;
    const p = positionOf(e, entry);
    throw new LoadFailure(p.file, p.line, p.column, (e as Error).message);
  }
  return mod;
}
