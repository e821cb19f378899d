import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ValveHost } from '../../../runtime/sandbox/valve-host.ts';
import { entry, forwarded, info, RecordingSession, startHost, text } from './helpers.ts';

describe('sandbox escape probes', () => {
  let host: ValveHost;
  before(async () => {
    ({ host } = await startHost());
  });
  after(() => host.stop());

  test('require, process, fetch, timers, WebAssembly and import() are not reachable', async () => {
    const r = await host.build([entry('escape.js')]);
    assert.ok(r.ok);
    const s = new RecordingSession('probe');
    const p = r.version.selector().select(info('probe'));
    p.open(s, info('probe'));
    p.push(s, 'fromClient', text('probe'));
    await s.waitFor(1);
    const found = JSON.parse(forwarded(s.results[0].outcome)[0]);
    assert.equal(found.require, 'undefined');
    assert.equal(found.process, 'undefined');
    assert.equal(found.constructorProcess, 'undefined');
    assert.equal(found.functionProcess, 'undefined');
    assert.equal(found.fnProcess, 'threw ReferenceError');
    assert.equal(found.fetch, 'undefined');
    assert.equal(found.WebAssembly, 'undefined');
    assert.equal(found.setTimeout, 'undefined');
    assert.equal(found.SharedArrayBuffer, 'undefined');
    assert.equal(found.console, 'undefined');
    assert.match(found.dynamicImport, /^(rejected|threw)/);
    // only ECMAScript built-ins: nothing of Node, isolated-vm or the host
    const ecmascript = new Set(
      Object.getOwnPropertyNames(globalThis).filter((n) =>
        /^[A-Z]|^(parse|is|en|de|es|un|eval|globalThis|undefined|NaN|Infinity)/.test(n),
      ),
    );
    for (const name of found.globals as string[]) {
      assert.ok(ecmascript.has(name), `unexpected global ${name}`);
      assert.doesNotMatch(
        name,
        /^(ivm|isolated|_ivm|ExternalCopy|Reference|Callback|process|require|Buffer|WebAssembly|console|SharedArrayBuffer|Atomics)$/,
      );
    }
  });
});
