// Where a problem is: every config value is traced back to the file line:col of its key or value,
// or to the environment variable that set it. The Locator answers that for any JSON pointer.
import type { ConfigProblem } from './model.ts';
import { displayPath } from './pointer.ts';

export interface Position {
  line: number;
  column: number;
}

/** Where a key and its value start in the file. */
export interface NodePosition {
  key: Position | undefined;
  value: Position;
}

/** A value that did not come from its own place in the file. */
export type Origin =
  | { kind: 'env'; name: string; key: string } // set by an environment variable
  | { kind: 'moved'; pointer: string }; // written elsewhere in the file (e.g. `wite-timeout`)

/** What a problem points at: `file:line:col  path`, or `env NAME`. */
export interface ConfigLocation {
  file: string;
  line: number;
  column: number;
  path: string;
}

/** Maps JSON pointers of the merged config to file positions and origins. */
export class Locator {
  readonly file: string;
  readonly positions: Map<string, NodePosition>;
  readonly origins = new Map<string, Origin>();
  /** Used when nothing in the file holds the value (a default, or there is no file). */
  readonly fallback: Position;

  constructor(file: string, positions: Map<string, NodePosition>, fallback: Position) {
    this.file = file;
    this.positions = positions;
    this.fallback = fallback;
  }

  /** Where the value (or, with `at: 'key'`, the key) at `pointer` came from. */
  locate(pointer: string, at: 'key' | 'value' = 'value'): ConfigLocation & { envKey?: string } {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const origin = this.origins.get(p);
      if (origin?.kind === 'env')
        return { file: 'env', line: 0, column: 0, path: origin.name, envKey: origin.key };
      if (origin?.kind === 'moved') return this.locate(origin.pointer + pointer.slice(p.length), at);
      const pos = this.positions.get(p);
      if (pos) {
        // A parent stands in for a value it does not hold (a missing key): point at the parent's key.
        const where = (p === pointer ? at === 'key' && pos.key : pos.key) || pos.value;
        return { file: this.file, line: where.line, column: where.column, path: displayPath(pointer) };
      }
      if (p === '') break;
    }
    return { file: this.file, ...this.fallback, path: displayPath(pointer) };
  }

  /** A problem at `pointer`; environment problems also name the key the variable sets. */
  problem(
    pointer: string,
    message: string,
    severity: ConfigProblem['severity'] = 'error',
    at: 'key' | 'value' = 'value',
  ): ConfigProblem {
    const { envKey, ...where } = this.locate(pointer, at);
    const text = envKey ? `${message} (sets ${envKey})` : message;
    return { ...where, message: text, severity };
  }
}

/** A problem that is not tied to a key (unreadable file, bad extension, YAML syntax). */
export function fileProblem(
  file: string,
  message: string,
  pos: Position = { line: 0, column: 0 },
  severity: ConfigProblem['severity'] = 'error',
): ConfigProblem {
  return { file, line: pos.line, column: pos.column, path: '', message, severity };
}

/** `file:line:col  path  message`, or `env NAME  message` for an environment variable. */
export function formatProblem(p: ConfigProblem): string {
  const prefix = p.severity === 'warning' ? 'warning: ' : '';
  if (p.file === 'env') return `env ${p.path}  ${prefix}${p.message}`;
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return [where, p.path, `${prefix}${p.message}`].filter((s) => s !== '').join('  ');
}

/** The problems as a JSON array of `{file, line, column, path, message, severity}` (`sluice check --json`). */
export function formatProblemsJson(problems: ConfigProblem[]): string {
  return JSON.stringify(
    problems.map((p) => ({
      file: p.file,
      line: p.line,
      column: p.column,
      path: p.path,
      message: p.message,
      severity: p.severity,
    })),
    null,
    2,
  );
}

/** Errors first, then by file position; duplicates (same place, same message) removed. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.file}\0${p.line}\0${p.column}\0${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      Number(a.severity === 'warning') - Number(b.severity === 'warning') ||
      Number(a.file === 'env') - Number(b.file === 'env') ||
      a.line - b.line ||
      a.column - b.column,
  );
}
