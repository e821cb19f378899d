// Reading a capture (.jsonl): every line is checked against schemas/capture.schema.json, and a
// problem names the line (and the column of the offending key or value).
import { readFile } from 'node:fs/promises';
import type { ConfigProblem } from '../config/model.ts';
import { parseConfigText } from '../config/parse.ts';
import { fileProblem, Locator } from '../config/problems.ts';
import { validateCaptureLine } from '../testing/schema-errors.ts';

/** One captured message. */
export interface CaptureLine {
  /** ms since the recording started. */
  t: number;
  from: 'client' | 'backend';
  type: 'text' | 'binary';
  /** The text, or base64 for binary. */
  data: string;
  /** 1-based line in the file. */
  line: number;
}

export type CaptureRead = { ok: true; lines: CaptureLine[] } | { ok: false; problems: ConfigProblem[] };

/** Bound on problems reported for one file: a file that is not a capture at all says so quickly. */
const MAX_PROBLEMS = 20;

/** Reads and checks a capture file; blank lines are skipped. */
export async function readCapture(file: string): Promise<CaptureRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [fileProblem(file, `cannot read the capture: ${(e as Error).message}`)] };
  }
  return parseCapture(text, file);
}

/** Checks the text of a capture. */
export function parseCapture(text: string, file: string): CaptureRead {
  const lines: CaptureLine[] = [];
  const problems: ConfigProblem[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length && problems.length < MAX_PROBLEMS; i++) {
    const row = rows[i].replace(/\r$/, '');
    if (row.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (e) {
      problems.push({
        ...fileProblem(file, `not a JSON line: ${(e as Error).message}`),
        line: i + 1,
        column: 1,
      });
      continue;
    }
    if (validateCaptureLine(value).length === 0) {
      lines.push({ ...(value as Omit<CaptureLine, 'line'>), line: i + 1 });
      continue;
    }
    problems.push(...locate(row, file, i + 1));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}

/** Problems of one bad line, with columns (parsed again with positions: only for bad lines). */
function locate(row: string, file: string, line: number): ConfigProblem[] {
  const parsed = parseConfigText(row, 'line.json');
  const at = (p: ConfigProblem): ConfigProblem => ({ ...p, file, line, column: Math.max(1, p.column) });
  if (parsed.value === undefined) {
    const first = parsed.problems.find((p) => p.severity === 'error');
    return [
      at({
        ...fileProblem(file, `not a JSON line: ${first?.message ?? 'cannot be read'}`),
        column: first?.column ?? 1,
      }),
    ];
  }
  const locator = new Locator(file, parsed.positions, { line: 1, column: 1 });
  const errors = validateCaptureLine(parsed.value);
  if (errors.length === 0) return [at(fileProblem(file, 'not a valid JSON line', { line: 1, column: 1 }))];
  return errors
    .map((e) => at(locator.problem(e.pointer, e.message, 'error', e.at)))
    .sort((a, b) => a.column - b.column);
}
