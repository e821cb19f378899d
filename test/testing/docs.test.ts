// docs/testing.md runs as written: its files are written out as the page names them, and each
// command the page shows prints exactly what the page says it prints.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { tempDir } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const page = await readFile(join(ROOT, 'docs/testing.md'), 'utf8');
const blocks = [...page.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
const FILE_HEADER = /^(?:\/\/|#) ([\w./-]+\.(?:js|ts|ya?ml))\b/;

/** The ```text block that starts with `start`. */
function shown(start: string): string {
  const b = blocks.find((x) => x.lang === 'text' && x.body.startsWith(start));
  assert.ok(b, `docs/testing.md shows output starting with ${start}`);
  return b.body;
}

describe('docs/testing.md', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  after(() => cleanup());
  before(async () => {
    const tmp = await tempDir();
    dir = tmp.dir;
    cleanup = tmp.cleanup;
    for (const b of blocks) {
      const name = FILE_HEADER.exec(b.body)?.[1] ?? (b.lang === 'jsonl' ? 'demo.jsonl' : undefined);
      if (name === undefined) continue;
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), b.body);
    }
    // `import … from 'sluice'` as in a project that depends on it
    await mkdir(join(dir, 'node_modules'));
    await symlink(ROOT, join(dir, 'node_modules/sluice'));
  });

  test('the first test passes with the output shown', async () => {
    const r = await runCliToEnd(['test', 'guard.test.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, shown('✔ guard.test.yaml'));
  });

  test('the failing example fails with the diff shown', async () => {
    const r = await runCliToEnd(['test', 'guard-wrong.test.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, shown('✖ guard-wrong.test.yaml'));
  });

  test('the invalid example prints the problems shown', async () => {
    const r = await runCliToEnd(['test', 'broken.test.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, shown('broken.test.yaml:'));
  });

  test('the replay example prints what is shown', async () => {
    const r = await runCliToEnd(['replay', 'demo.jsonl', '-c', 'sluice.yaml', '--path', '/chat'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, shown('replaying demo.jsonl'));
  });

  test('a bad capture line is reported as shown', async () => {
    const demo = await readFile(join(dir, 'demo.jsonl'), 'utf8');
    const lines = demo.split('\n');
    lines[1] = lines[1].replace('"from":"client"', '"from":"server"');
    await writeFile(join(dir, 'bad.jsonl'), lines.join('\n'));
    const r = await runCliToEnd(['replay', 'bad.jsonl', '-c', 'sluice.yaml'], { cwd: dir });
    assert.equal(r.code, 1);
    const expected = /`(demo\.jsonl:2:16 {2}from {2}[^`]*)`/.exec(page)?.[1];
    assert.ok(expected);
    assert.equal(r.stderr.split('\n')[0], expected.replace('demo.jsonl', 'bad.jsonl'));
  });

  test('the record: example is a valid config', async () => {
    const r = await runCliToEnd(['check', 'record.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout);
  });

  test('the PipelineHarness example passes under node --test', async () => {
    // a clean environment: NODE_TEST_CONTEXT from this runner would turn the child's --test off
    const child = spawn(process.execPath, ['--test', 'guard.test.ts'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((res) => child.on('exit', res));
    assert.equal(code, 0, out);
    assert.match(out, /ℹ pass 2/);
  });
});
