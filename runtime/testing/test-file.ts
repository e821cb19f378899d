// Reading a `*.test.yaml`: YAML with positions (yaml@2, as the config loader), validation against
// schemas/test-file.schema.json, and the checks a schema cannot express. Every problem names the
// file, line and column.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDuration } from '../config/duration.ts';
import type { ConfigProblem } from '../config/model.ts';
import { parseConfigText } from '../config/parse.ts';
import { fileProblem, Locator, sortProblems } from '../config/problems.ts';
import type { SessionOptions } from './harness.ts';
import type { ExpectedMessage, MessageInput } from './messages.ts';
import { validateTestFile } from './schema-errors.ts';

/** A log line as a test expects it: the message (or /regex/), optionally level and valve. */
export type ExpectedLog = string | { message: string; level?: 'info' | 'warn' | 'error'; valve?: string };

/** A step's `expect:`; keys left out are not checked. */
export interface Expect {
  toBackend?: ExpectedMessage[];
  toClient?: ExpectedMessage[];
  dropped?: boolean;
  closed?: boolean | { code: number; reason?: string };
  logs?: ExpectedLog[];
}

export type StepAction =
  | { kind: 'open' }
  | { kind: 'fromClient' | 'fromBackend'; message: MessageInput }
  | { kind: 'advance'; ms: number; written: string }
  | { kind: 'failover'; backend: { id: string; url: string } };

export interface TestStep {
  action: StepAction;
  expect: Expect | undefined;
  /** 1-based line of the step in the file. */
  line: number;
}

export interface TestCase {
  name: string;
  session: SessionOptions;
  steps: TestStep[];
  line: number;
}

export interface TestFile {
  file: string;
  text: string;
  /** Absolute path of `config:`, or undefined for an inline `pipeline:`. */
  config: string | undefined;
  cases: TestCase[];
}

export type ReadResult = { ok: true; test: TestFile } | { ok: false; problems: ConfigProblem[] };

/** Reads and checks one test file; `file` is used as given in problems. */
export async function readTestFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [fileProblem(file, `cannot read the test file: ${(e as Error).message}`)] };
  }
  return parseTestFile(text, file);
}

interface RawStep {
  open?: true;
  fromClient?: MessageInput;
  fromBackend?: MessageInput;
  advance?: string;
  failover?: { id: string; url: string };
  expect?: Expect;
}

interface RawFile {
  config?: string;
  pipeline?: unknown[];
  cases: { name: string; session?: SessionOptions; steps: RawStep[] }[];
}

/** Checks the text of a test file. */
export function parseTestFile(text: string, file: string): ReadResult {
  const parsed = parseConfigText(text, file);
  if (parsed.value === undefined) {
    // the config parser's wording for an empty document names config keys
    const problems = parsed.problems.map((p) =>
      p.message.startsWith('config is empty') ? { ...p, message: 'the test file is empty: add `cases:`' } : p,
    );
    return { ok: false, problems: sortProblems(problems) };
  }
  const locator = new Locator(file, parsed.positions, { line: 1, column: 1 });
  const problems = parsed.problems.filter((p) => p.severity === 'error');
  for (const e of validateTestFile(parsed.value))
    problems.push(locator.problem(e.pointer, e.message, 'error', e.at));
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  const raw = parsed.value as RawFile;
  if ((raw.config === undefined) === (raw.pipeline === undefined)) {
    const message =
      raw.config === undefined
        ? 'say what to test: `config: ./sluice.yaml` (a config file) or `pipeline:` (valve entries written here)'
        : 'give either `config:` or `pipeline:`, not both';
    problems.push(locator.problem(raw.config === undefined ? '' : '/pipeline', message, 'error', 'key'));
  }
  const cases = raw.cases.map((c, i): TestCase => {
    const steps = c.steps.map((s, j): TestStep => {
      const pointer = `/cases/${i}/steps/${j}`;
      if (s.open !== undefined && j > 0) {
        problems.push(
          locator.problem(`${pointer}/open`, '`open` can only be the first step of a case', 'error', 'key'),
        );
      }
      return { action: actionOf(s), expect: s.expect, line: locator.locate(pointer).line };
    });
    return { name: c.name, session: c.session ?? {}, steps, line: locator.locate(`/cases/${i}`).line };
  });
  const config = raw.config === undefined ? undefined : resolve(dirname(resolve(file)), raw.config);
  if (config !== undefined && !existsSync(config)) {
    problems.push(locator.problem('/config', `config file not found: ${config} (relative to the test file)`));
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, test: { file, text, config, cases } };
}

function actionOf(s: RawStep): StepAction {
  if (s.open) return { kind: 'open' };
  if (s.fromClient !== undefined) return { kind: 'fromClient', message: s.fromClient };
  if (s.fromBackend !== undefined) return { kind: 'fromBackend', message: s.fromBackend };
  if (s.advance !== undefined) return { kind: 'advance', ms: parseDuration(s.advance), written: s.advance };
  return { kind: 'failover', backend: s.failover as { id: string; url: string } };
}
