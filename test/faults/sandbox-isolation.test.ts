// FAULTS.md §3.11–12 through a real `sluice run` process: WebAssembly is not there to allocate
// with, and escape probes from inside a hook find only ECMAScript built-ins: no require, no
// process, no isolated-vm object, and every route to a Function constructor stays in the sandbox.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rssOf } from '../helpers/process-sluice.ts';
import { assertSameProcess, mb } from './lib/invariants.ts';
import { reply } from './lib/numbered.ts';
import { sharedValveWorld } from './lib/setup.ts';

// The ECMAScript built-ins (ES2025 and the stage-4 features V8 ships). Anything else on the
// sandbox's global object would be a host leak.
const ECMASCRIPT_GLOBALS = new Set(
  `AggregateError Array ArrayBuffer AsyncDisposableStack Atomics BigInt BigInt64Array BigUint64Array
  Boolean DataView Date DisposableStack Error EvalError FinalizationRegistry Float16Array Float32Array
  Float64Array Function Infinity Int16Array Int32Array Int8Array Intl Iterator JSON Map Math NaN Number
  Object Promise Proxy RangeError ReferenceError Reflect RegExp Set SharedArrayBuffer String
  SuppressedError Symbol SyntaxError TypeError URIError Uint16Array Uint32Array Uint8Array
  Uint8ClampedArray WeakMap WeakRef WeakSet decodeURI decodeURIComponent encodeURI encodeURIComponent
  escape eval globalThis isFinite isNaN parseFloat parseInt undefined unescape`.split(/\s+/),
);

describe('what a valve can reach', () => {
  const w = sharedValveWorld([{ valve: './faults.js', timeout: '1s', 'on-error': 'pass' }]);

  test('8 × WebAssembly.Memory({initial: 1024}) → "WebAssembly is not defined"; the valve host grows < 20 MB', async () => {
    const c = await w.sp.connect('/wasm');
    await reply(c, 'warm');
    const before = rssOf(w.hostPid);
    for (let i = 0; i < 5; i++) {
      assert.equal(await reply(c, `~wasm ${i}`), `a|~wasm ${i}`);
      assert.equal(await reply(c, 'ok'), 'a|ok');
    }
    await w.sp.waitLog((l) => /WebAssembly is not defined/.test(String(l.msg)), 'the ReferenceError');
    const grew = rssOf(w.hostPid) - before;
    assert.ok(grew < 20 * 1024 * 1024, `the valve host grew ${mb(grew)}`);
    assertSameProcess(w.sp, w.base);
    await c.close();
  });

  test('escape probes: only ECMAScript globals, no require/process, every Function route stays inside', async () => {
    const c = await w.sp.connect('/probe');
    const answer = await reply(c, '~probe');
    const found = JSON.parse(answer.slice(answer.indexOf('|') + 1)) as Record<string, unknown> & {
      globals: string[];
    };
    const extra = found.globals.filter((g) => !ECMASCRIPT_GLOBALS.has(g));
    assert.deepEqual(extra, [], 'globals beyond the ECMAScript built-ins');
    for (const absent of ['require', 'process', 'console', 'setTimeout', 'fetch', 'WebAssembly']) {
      assert.equal(found.globals.includes(absent), false, `${absent} is not a global`);
    }
    assert.equal(found.require, 'undefined');
    assert.equal(found.process, 'undefined');
    for (const route of ['viaObject', 'viaMsg', 'viaCtx', 'viaLog', 'viaState', 'viaFunction']) {
      assert.match(
        String(found[route]),
        /^(undefined|threw \w+)$/,
        `${route}: typeof process is ${found[route]}`,
      );
    }
    await c.close();
  });
});
