// Runs pipeline test files: each case gets a freshly built pipeline (new sandboxes, clock at 0) in
// one real valve host shared by the run, steps are driven through PipelineHarness, and every case
// prints `✔ file › name` or `✖ file › name` plus a diff; the run ends with `N passed, N failed`.
import { relative } from 'node:path';
import type { PipelineEntryConfig } from '../config/model.ts';
import { formatProblem } from '../config/problems.ts';
import { checkStep } from './expectations.ts';
import { formatLoadProblem, PipelineHarness, PipelineLoadError, type StepResult } from './harness.ts';
import { loadPipelineFromConfig, loadPipelineFromTestText } from './load-pipeline.ts';
import { delivered, showDelivered, toWire } from './messages.ts';
import { readTestFile, type TestCase, type TestFile, type TestStep } from './test-file.ts';
import { TestHost } from './test-host.ts';

export interface RunOptions {
  /** Receives the output, a line at a time (default: process.stdout). */
  write?: (line: string) => void;
  /** Environment for `${VAR}` in configs (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** File names are printed relative to this folder (default: the current one). */
  cwd?: string;
}

export interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  /** The failing step and its diff, as printed. */
  details: string[];
}

export interface RunSummary {
  passed: number;
  failed: number;
  cases: CaseResult[];
  /** Test files, configs and valve files the run read (what --watch watches). */
  files: string[];
}

/** Runs every test file (in order) and prints the results; failed counts failing cases and invalid files. */
export async function runPipelineTests(files: string[], options: RunOptions = {}): Promise<RunSummary> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const summary: RunSummary = { passed: 0, failed: 0, cases: [], files: [...files] };
  let host: TestHost | undefined;
  try {
    for (const file of files) {
      const shown = relative(cwd, file) || file;
      const fail = (lines: string[]) => {
        for (const l of lines) write(l);
        write(`✖ ${shown} (not run)`);
        summary.failed++;
      };
      const read = await readTestFile(file);
      if (!read.ok) {
        fail(read.problems.map((p) => formatProblem({ ...p, file: shown })));
        continue;
      }
      const test = read.test;
      if (test.config) summary.files.push(test.config);
      const loaded = test.config
        ? await loadPipelineFromConfig(test.config, env)
        : loadPipelineFromTestText(test.text, file, env);
      if (!loaded.ok) {
        fail(loaded.problems.map((p) => formatProblem({ ...p, file: relative(cwd, p.file) || p.file })));
        continue;
      }
      summary.files.push(...loaded.entries.filter((e) => !e.builtin).map((e) => e.file));
      host ??= await TestHost.start();
      for (const c of test.cases) {
        const result = await runCase(host, test, c, loaded.entries, loaded.backend, cwd);
        summary.cases.push(result);
        if (result.passed) summary.passed++;
        else summary.failed++;
        write(`${result.passed ? '✔' : '✖'} ${shown} › ${c.name}`);
        for (const l of result.details) write(`    ${l}`);
        // a pipeline that does not build fails every case the same way: say it once
        if (result.details[0]?.startsWith('the pipeline did not load')) {
          for (const rest of test.cases.slice(test.cases.indexOf(c) + 1)) {
            summary.failed++;
            summary.cases.push({ file, name: rest.name, passed: false, details: result.details });
            write(`✖ ${shown} › ${rest.name} (pipeline did not load)`);
          }
          break;
        }
      }
    }
  } finally {
    await host?.stop();
  }
  write(`${summary.passed} passed, ${summary.failed} failed`);
  summary.files = [...new Set(summary.files)];
  return summary;
}

async function runCase(
  host: TestHost,
  test: TestFile,
  c: TestCase,
  entries: PipelineEntryConfig[],
  backend: { id: string; url: string } | undefined,
  cwd: string,
): Promise<CaseResult> {
  let harness: PipelineHarness;
  try {
    harness = await PipelineHarness.fromEntries(entries, { host, backend });
  } catch (e) {
    const lines =
      e instanceof PipelineLoadError
        ? e.problems.map((p) => formatLoadProblem({ ...p, file: relative(cwd, p.file) || p.file }))
        : [String(e)];
    return {
      file: test.file,
      name: c.name,
      passed: false,
      details: ['the pipeline did not load:', ...lines],
    };
  }
  try {
    const steps = c.steps;
    if (steps[0]?.action.kind !== 'open') await harness.open(c.session);
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const result = await runStep(harness, step, c);
      const kind = step.action.kind;
      const diff = checkStep(step.expect, result, kind === 'fromClient' || kind === 'fromBackend');
      if (diff.length > 0) {
        const where = `${relative(cwd, test.file) || test.file}:${step.line}`;
        return {
          file: test.file,
          name: c.name,
          passed: false,
          details: [`step ${i + 1} (${where}): ${describeStep(step)}`, ...diff.map((l) => `  ${l}`)],
        };
      }
    }
    return { file: test.file, name: c.name, passed: true, details: [] };
  } finally {
    await harness.stop();
  }
}

function runStep(h: PipelineHarness, step: TestStep, c: TestCase): Promise<StepResult> {
  const a = step.action;
  switch (a.kind) {
    case 'open':
      return h.open(c.session);
    case 'fromClient':
      return h.fromClient(a.message);
    case 'fromBackend':
      return h.fromBackend(a.message);
    case 'advance':
      return h.advance(a.ms);
    case 'failover':
      return h.failover(a.backend);
  }
}

function describeStep(step: TestStep): string {
  const a = step.action;
  switch (a.kind) {
    case 'open':
      return 'open';
    case 'fromClient':
    case 'fromBackend':
      return `${a.kind} ${showDelivered(delivered(toWire(a.message)), 60)}`;
    case 'advance':
      return `advance ${a.written}`;
    case 'failover':
      return `failover to ${a.backend.id} (${a.backend.url})`;
  }
}
