// Checks a step's result against its `expect:` and writes a readable diff: per side, the messages
// aligned by position, `-` what was expected, `+` what arrived, unmarked when they agree.
import type { StepResult } from './harness-types.ts';
import type { ValveLogLine } from './test-host.ts';
import { type Delivered, type ExpectedMessage, matches, showDelivered, showExpected } from './messages.ts';
import type { Expect, ExpectedLog } from './test-file.ts';

/** The diff lines for every expectation the result does not meet; [] when it meets them all. */
export function checkStep(expect: Expect | undefined, result: StepResult, isMessage: boolean): string[] {
  if (expect === undefined) return [];
  const out: string[] = [];
  if (expect.toBackend !== undefined) out.push(...sideDiff('toBackend', expect.toBackend, result.toBackend));
  if (expect.toClient !== undefined) out.push(...sideDiff('toClient', expect.toClient, result.toClient));
  if (expect.dropped !== undefined) {
    if (!isMessage) out.push('dropped: only a fromClient or fromBackend step has a message to drop');
    else if (expect.dropped !== result.dropped) {
      out.push(
        expect.dropped
          ? 'dropped: expected the message to be dropped, but it went on'
          : 'dropped: expected the message to go on, but the pipeline dropped it',
      );
    }
  }
  if (expect.closed !== undefined && !closedMatches(expect.closed, result.closed)) {
    out.push(`closed: expected ${showClosed(expect.closed)}, got ${showClosed(result.closed)}`);
  }
  if (expect.logs !== undefined) out.push(...logsDiff(expect.logs, result.logs));
  return out;
}

function sideDiff(side: string, expected: ExpectedMessage[], actual: Delivered[]): string[] {
  const n = Math.max(expected.length, actual.length);
  let same = true;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined && matches(e, a)) {
      lines.push(`    ${showDelivered(a)}`);
      continue;
    }
    same = false;
    if (e !== undefined) lines.push(`  - ${showExpected(e)}`);
    if (a !== undefined) lines.push(`  + ${showDelivered(a)}`);
  }
  if (same) return [];
  if (actual.length === 0) lines.push('  + (nothing arrived)');
  if (expected.length === 0) lines.unshift('  - (nothing)');
  return [`${side} (- expected, + actual):`, ...lines];
}

function closedMatches(
  expected: boolean | { code: number; reason?: string },
  actual: StepResult['closed'],
): boolean {
  if (typeof expected === 'boolean') return expected === (actual !== false);
  if (actual === false) return false;
  return (
    actual.code === expected.code && (expected.reason === undefined || expected.reason === actual.reason)
  );
}

function showClosed(c: boolean | { code: number; reason?: string }): string {
  if (c === false) return 'the session open';
  if (c === true) return 'the session closed';
  return `closed with ${c.code}${c.reason === undefined ? '' : ` ${JSON.stringify(c.reason)}`}`;
}

function logMatches(e: ExpectedLog, a: ValveLogLine): boolean {
  const want = typeof e === 'string' ? { message: e } : e;
  if (want.level !== undefined && want.level !== a.level) return false;
  if (want.valve !== undefined && want.valve !== a.valve) return false;
  const re = /^\/(.*)\/([a-z]*)$/s.exec(want.message);
  if (re) {
    try {
      return new RegExp(re[1], re[2]).test(a.message);
    } catch {
      return false;
    }
  }
  return want.message === a.message;
}

function logsDiff(expected: ExpectedLog[], actual: ValveLogLine[]): string[] {
  const n = Math.max(expected.length, actual.length);
  const lines: string[] = [];
  let same = true;
  const show = (l: ValveLogLine) => `${l.level} [${l.valve}] ${JSON.stringify(l.message)}`;
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined && logMatches(e, a)) {
      lines.push(`    ${show(a)}`);
      continue;
    }
    same = false;
    if (e !== undefined) {
      const w = typeof e === 'string' ? { message: e } : e;
      lines.push(`  - ${w.level ?? '*'} [${w.valve ?? '*'}] ${JSON.stringify(w.message)}`);
    }
    if (a !== undefined) lines.push(`  + ${show(a)}`);
  }
  if (same) return [];
  if (actual.length === 0) lines.push('  + (no log lines)');
  if (expected.length === 0) lines.unshift('  - (no log lines)');
  return ['logs (- expected, + actual):', ...lines];
}
