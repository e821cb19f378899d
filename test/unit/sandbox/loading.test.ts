import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, RecordingSession, startHost, text } from './helpers.ts';

describe('loading valves', () => {
  let host: ValveHost;
  before(async () => {
    ({ host } = await startHost());
  });
  after(() => host.stop());

  async function loadError(file: string, extra = {}) {
    const r = await host.build([entry(file, extra)]);
    assert.equal(r.ok, false, `${file} should not load`);
    return r.ok ? undefined : r.errors[0];
  }

  test('a syntax error is a load error at its file:line:col', async (t) => {
    // written at run time: a file with a syntax error cannot live in the linted tree
    const dir = mkdtempSync(join(tmpdir(), 'sluice-valve-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'syntax-error.js');
    writeFileSync(
      file,
      '// A syntax error on line 3.\nexport function fromClient(msg) {\n  return msg.;\n}\n',
    );
    const e = await loadError('syntax-error.js', { file });
    assert.match(e?.file ?? '', /syntax-error\.js$/);
    assert.equal(e?.line, 3);
    assert.equal(e?.column, 14);
    assert.match(e?.message ?? '', /SyntaxError|Unexpected token/);
  });

  test('a valve without hooks is rejected', async () => {
    const e = await loadError('no-hooks.js');
    assert.match(e?.message ?? '', /exports no hook/);
  });

  test('a top level that throws is rejected at the throw position', async () => {
    const e = await loadError('top-throw.js');
    assert.equal(e?.line, 3);
    assert.equal(e?.column, 7);
    assert.match(e?.message ?? '', /cannot start/);
  });

  test('a top level that runs past the timeout is rejected', async () => {
    const e = await loadError('top-loop.js', { timeoutMs: 30 });
    assert.match(e?.message ?? '', /ran past the valve's 30ms timeout/);
  });

  test('importing a package or node module is a load error naming the import', async () => {
    const e = await loadError('bad-import.js');
    assert.equal(e?.line, 2);
    assert.match(e?.message ?? '', /cannot import 'node:fs'/);
  });

  test('a missing valve file is a load error naming the path', async () => {
    const e = await loadError('does-not-exist.js');
    assert.match(e?.message ?? '', /file not found/);
    assert.match(e?.file ?? '', /does-not-exist\.js$/);
  });

  test('a misspelt hook warns with did-you-mean', async () => {
    const r = await host.build([entry('misspelt.js')]);
    assert.ok(r.ok);
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0].message,
      /unknown export 'fromclient' is ignored \(did you mean 'fromClient'\?\)/,
    );
    assert.equal(r.warnings[0].line, 2);
  });

  test('a .ts valve loads with its types stripped; relative imports resolve', async () => {
    const r = await host.build([entry('typed.ts'), entry('with-import/main.js')]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const s = new RecordingSession('ts');
    const p = r.version.selector().select(info('ts'));
    p.open(s, info('ts'));
    p.push(s, 'fromClient', text('hi'));
    await s.waitFor(1);
    assert.deepEqual(forwarded(s.results[0].outcome), ['typed:hi!']);
  });

  test('a failed build keeps the last good version serving and reports the errors in status', async () => {
    const good = await host.build([entry('upper.js')]);
    assert.ok(good.ok);
    await loadError('no-hooks.js');
    const st = host.status();
    assert.equal(st.version, good.version.id);
    assert.equal(st.lastBuildErrors.length, 1);
  });
});
