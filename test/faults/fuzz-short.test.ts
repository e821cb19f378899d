// A short, fixed-seed run of the fuzzer (scripts/fuzz.ts) so CI exercises it: frames, upgrade
// heads, admin requests and config mutations against a real Sluice process for 10 s, with no
// crash, no hang and no 5xx.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FUZZ = fileURLToPath(new URL('../../scripts/fuzz.ts', import.meta.url));

test('10 s of fuzzing (seed 20260101): no crash, no hang, no 5xx from the admin API', async (t) => {
  const child = spawn(process.execPath, [FUZZ, '--seconds', '10', '--seed', '20260101'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, `the fuzzer found failures or crashed:\n${out}`);
  const summary = /fuzz: (\d+) inputs .*, 0 failures/.exec(out);
  assert.ok(summary, `no summary line:\n${out}`);
  assert.ok(Number(summary[1]) >= 50, `only ${summary[1]} inputs in 10 s`);
  t.diagnostic(out.trim().split('\n').at(-1) ?? '');
});
