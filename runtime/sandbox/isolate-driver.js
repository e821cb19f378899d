// The driver evaluated inside every valve isolate before any valve code (runtime/sandbox/
// isolate-unit.ts). It keeps per-session state and ctx objects, runs a whole batch of messages
// through the valve chain in one crossing, and reports verdicts as plain arrays. It lives in a
// closure: nothing of it is reachable from globalThis, and no host function is ever handed to
// valve code — ctx's methods only record what to do, and the host reads the records afterwards.
// `track` is an Int32Array on shared memory that the host reads even after the isolate died of
// memory: [0] = running valve index + 1, [1] = current item index.
(function createDriver(trackMemory, slice) {
  // The host passes the SharedArrayBuffer itself: write through a view, or the host never sees it.
  const track = new Int32Array(trackMemory);
  const OP_FROM_BACKEND = 1;
  const OP_OPEN = 2;
  const OP_FAILOVER = 3;
  const OP_CLOSE = 4;
  const OP_ATTACH = 5;
  const HOOKS = ['fromClient', 'fromBackend', 'open', 'failover', 'close'];
  const KNOWN = ['options', 'open', 'fromClient', 'fromBackend', 'failover', 'close'];
  // error kinds (mirrored in batch-format.ts)
  const K_THROW = 0;
  const K_TIMEOUT = 1;
  const K_INVALID = 3;
  const K_TRIPPED = 5;
  const P_DROP = 0;
  const P_PASS = 1;
  const TRIP_AFTER = 5;
  const TRIP_MS = 10000;
  const LOG_PER_SECOND = 100;
  const MAX_INJECT = 1000;
  // Captured before valve code runs, so a valve that patches builtins does not break the driver.
  const now = Date.now;
  const freeze = Object.freeze;
  const isArray = Array.isArray;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;
  const U8 = Uint8Array;
  const resizableOf = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable').get;
  const PromiseCtor = Promise;

  const valves = []; // by version-wide valve index; undefined when in another isolate
  const sessions = new Map();
  let stats = new Int32Array(0); // [valve * 10 + hook * 2 + (0 calls | 1 drops)]

  // batch state (kept across slices and faults)
  let IN = null;
  let n = 0;
  let i = 0;
  let active = false;
  let itemOp = 0;
  let itemSess = null;
  let itemHi = 0;
  let itemLo = 0;
  let changed = false;
  let out = null;
  let closeCode = 0;
  let closeReason = '';
  let delayMs = 0;
  let res = [];
  let ev = [];
  let logs = [];
  // work stack: chain position, binary flag, data
  const wPos = [];
  const wBin = [];
  const wData = [];
  let wTop = 0;
  // the running hook
  let running = false;
  let curValve = null;
  let curCtx = null;
  let curPos = 0;
  let curBin = 0;
  let curData = null;
  let injections = 0;
  let clockNow = Number.NaN;
  let last = null; // the last step's result, in case the host lost it to a timeout in a microtask

  function deepFreeze(v) {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      freeze(v);
      for (const k of Object.keys(v)) deepFreeze(v[k]);
    }
    return v;
  }

  function mustRun(self, name) {
    if (!running) throw new Error(`ctx.${name}() called outside a hook: hooks are synchronous`);
    if (self !== undefined && self !== curCtx)
      throw new Error(`ctx.${name}() called with another session's ctx`);
  }

  function toPayload(data, name) {
    if (typeof data === 'string') return [0, data];
    if (data instanceof U8 && !resizableOf.call(data.buffer)) return [1, exact(data)];
    if (data !== null && typeof data === 'object') {
      if (data.type === 'text' && typeof data.data === 'string') return [0, data.data];
      if (data.type === 'binary' && data.data instanceof U8 && !resizableOf.call(data.data.buffer)) {
        return [1, exact(data.data)];
      }
    }
    throw new TypeError(`ctx.${name}(data): data must be a string, a Uint8Array or {type, data}`);
  }

  function exact(u8) {
    return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8 : u8.slice();
  }

  function inject(self, data, target, name) {
    mustRun(self, name);
    if (++injections > MAX_INJECT)
      throw new RangeError(`ctx.${name}(): more than ${MAX_INJECT} messages in one call`);
    const p = toPayload(data, name);
    ev[ev.length] = [i, 1, target, p[0], p[1]];
  }

  class Ctx {
    constructor(state, options, session, log) {
      this.state = state;
      this.options = options;
      this.session = session;
      this.log = log;
    }
    sendToClient(data) {
      inject(this, data, 0, 'sendToClient');
    }
    sendToBackend(data) {
      inject(this, data, 1, 'sendToBackend');
    }
    close(code = 1000, reason = '') {
      mustRun(this, 'close');
      const ok =
        (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
      if (!Number.isInteger(code) || !ok) {
        throw new RangeError(
          `ctx.close(code): ${String(code)} is not a close code a peer may receive (use 1000 or 3000-4999)`,
        );
      }
      if (typeof reason !== 'string') throw new TypeError('ctx.close(code, reason): reason must be a string');
      if (closeCode === 0) {
        closeCode = code;
        closeReason = reason;
      }
    }
    delay(ms) {
      mustRun(this, 'delay');
      if (typeof ms !== 'number' || !(ms >= 0 && ms <= 60000)) {
        throw new RangeError(`ctx.delay(ms): ms must be a number from 0 to 60000, got ${String(ms)}`);
      }
      delayMs = Math.min(60000, delayMs + ms);
    }
    now() {
      return Number.isNaN(clockNow) ? now() : clockNow;
    }
  }

  function makeLog(V) {
    const line = (level) =>
      function logLine(...args) {
        const t = now();
        if (t - V.logWindow >= 1000) {
          if (V.logDropped > 0)
            logs[logs.length] = [V.idx, 1, `${V.logDropped} log lines dropped (limit ${LOG_PER_SECOND}/s)`];
          V.logWindow = t;
          V.logCount = 0;
          V.logDropped = 0;
        }
        if (++V.logCount > LOG_PER_SECOND) {
          V.logDropped++;
          return;
        }
        let text = '';
        for (let k = 0; k < args.length; k++) {
          const a = args[k];
          let s;
          if (typeof a === 'string') s = a;
          else if (a instanceof Error) s = String(a.stack || a);
          else {
            try {
              s = jsonStringify(a);
            } catch {
              s = undefined;
            }
            if (s === undefined) s = String(a);
          }
          text += k === 0 ? s : ` ${s}`;
        }
        logs[logs.length] = [V.idx, level, text.length > 8192 ? text.slice(0, 8192) : text];
      };
    return freeze({ info: line(0), warn: line(1), error: line(2) });
  }

  /** Reads the position of the first frame in a valve file from an error stack. */
  function where(e) {
    const stack = e !== null && typeof e === 'object' ? String(e.stack || '') : '';
    const m = /(file:\/\/[^\s)]+?):(\d+):(\d+)/.exec(stack);
    if (!m) return ['', 0, 0];
    return [decodeURI(m[1].slice(7)), Number(m[2]), Number(m[3])];
  }

  function describe(e) {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    try {
      return `thrown: ${String(e)}`;
    } catch {
      return 'thrown: a value that cannot be printed';
    }
  }

  function hookName(op) {
    return HOOKS[op === OP_ATTACH ? OP_OPEN : op];
  }

  // A valve error: record it, count towards tripping, then apply on-error to the current entry.
  function onError(V, kind, message, file, line, col) {
    if (kind !== K_TRIPPED) {
      V.errRow++;
      if (V.errRow >= TRIP_AFTER) {
        V.errRow = 0;
        V.tripUntil = now() + TRIP_MS;
        logs[logs.length] = [V.idx, 3, `tripped for ${TRIP_MS / 1000}s after ${TRIP_AFTER} errors in a row`];
      }
    }
    ev[ev.length] = [
      i,
      4,
      V.idx,
      kind,
      V.onError,
      file || V.file,
      line,
      col,
      `${hookName(itemOp)}: ${message}`,
    ];
    const isMsg = itemOp <= OP_FROM_BACKEND;
    if (V.onError === P_PASS) {
      if (isMsg) next(curPos, curBin, curData);
    } else if (V.onError === P_DROP) {
      if (isMsg) {
        changed = true;
        stats[V.idx * 10 + itemOp * 2 + 1]++;
      }
    } else {
      changed = true;
      closeCode = 1011;
      closeReason = 'valve error';
      wTop = 0; // the session closes: nothing more of this item goes on
    }
  }

  // Routes an entry to the next chain position, or to the item's output at the end of the segment.
  function next(pos, bin, data) {
    const p = itemOp === OP_FROM_BACKEND ? pos - 1 : pos + 1;
    if (itemOp === OP_FROM_BACKEND ? p < itemLo : p >= itemHi) {
      if (!changed) return; // unchanged: the proxy still holds the original, nothing crosses back
      if (out === null) out = [];
      out[out.length] = bin;
      out[out.length] = data;
    } else {
      wPos[wTop] = p;
      wBin[wTop] = bin;
      wData[wTop] = data;
      wTop++;
    }
  }

  // Classifies a hook's return value into [bin, data, bin, data, ...]; a string on error.
  function classify(r) {
    if (r === null) return [];
    if (typeof r === 'string') return [0, r];
    if (r instanceof U8)
      return resizableOf.call(r.buffer) ? 'a Uint8Array on a resizable ArrayBuffer' : [1, exact(r)];
    if (isArray(r)) {
      const o = [];
      for (let k = 0; k < r.length; k++) {
        const one = classify1(r[k]);
        if (typeof one === 'string') return `${one} at index ${k}`;
        o[o.length] = one[0];
        o[o.length] = one[1];
      }
      return o;
    }
    return classify1(r);
  }

  function classify1(r) {
    if (typeof r === 'string') return [0, r];
    if (r instanceof U8)
      return resizableOf.call(r.buffer) ? 'a Uint8Array on a resizable ArrayBuffer' : [1, exact(r)];
    if (r instanceof PromiseCtor || (r !== null && typeof r === 'object' && typeof r.then === 'function')) {
      return 'hooks are synchronous';
    }
    if (r !== null && typeof r === 'object' && !isArray(r)) {
      if (r.type === 'text' && typeof r.data === 'string') return [0, r.data];
      if (r.type === 'binary' && r.data instanceof U8 && !resizableOf.call(r.data.buffer))
        return [1, exact(r.data)];
      return 'an object that is not {type: "text", data: string} or {type: "binary", data: Uint8Array}';
    }
    if (r === null) return 'null inside an array';
    if (r === undefined) return 'undefined inside an array';
    return `a ${typeof r}`;
  }

  function invalid(V, why) {
    const msg = why === 'hooks are synchronous' ? 'hooks are synchronous' : `got ${why}`;
    onError(V, K_INVALID, `invalid valve result from ${V.name}: ${msg}`, V.file, 0, 0);
  }

  // Runs one hook for the popped entry.
  function call(pos, bin, data) {
    const S = itemSess;
    const V = valves[S.chain[pos]];
    const isMsg = itemOp <= OP_FROM_BACKEND;
    const hook = V === undefined ? undefined : V.hooks[itemOp === OP_ATTACH ? OP_OPEN : itemOp];
    if (hook === undefined) {
      if (isMsg) next(pos, bin, data);
      return;
    }
    curPos = pos;
    curBin = bin;
    curData = data;
    if (V.tripUntil !== 0) {
      if (now() < V.tripUntil) {
        onError(V, K_TRIPPED, `${V.name} is tripped`, V.file, 0, 0);
        return;
      }
      V.tripUntil = 0;
    }
    const ctx = S.ctx[pos];
    const hookIdx = itemOp === OP_ATTACH ? OP_OPEN : itemOp;
    stats[V.idx * 10 + hookIdx * 2]++;
    curValve = V;
    curCtx = ctx;
    injections = 0;
    track[0] = V.idx + 1;
    running = true;
    const t = now();
    let r;
    try {
      r = isMsg ? hook(bin === 0 ? { type: 'text', data } : { type: 'binary', data }, ctx) : hook(ctx);
    } catch (e) {
      running = false;
      track[0] = 0;
      const w = where(e);
      onError(V, K_THROW, describe(e), w[0], w[1], w[2]);
      return;
    }
    running = false;
    track[0] = 0;
    if (now() - t > V.timeout) {
      onError(V, K_TIMEOUT, `ran past its ${V.timeout}ms timeout`, V.file, 0, 0);
      return;
    }
    if (isMsg) {
      if (r === undefined || r === data) {
        V.errRow = 0;
        next(pos, bin, data);
        return;
      }
      const o = classify(r);
      if (typeof o === 'string') {
        invalid(V, o);
        return;
      }
      V.errRow = 0;
      changed = true;
      if (o.length === 0) {
        stats[V.idx * 10 + hookIdx * 2 + 1]++;
        return;
      }
      const p = itemOp === OP_FROM_BACKEND ? pos - 1 : pos + 1;
      if (itemOp === OP_FROM_BACKEND ? p < itemLo : p >= itemHi) {
        if (out === null) out = [];
        for (let k = 0; k < o.length; k++) out[out.length] = o[k];
        return;
      }
      // pushed in reverse so that they leave in order
      for (let k = o.length - 2; k >= 0; k -= 2) {
        wPos[wTop] = p;
        wBin[wTop] = o[k];
        wData[wTop] = o[k + 1];
        wTop++;
      }
      return;
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
      invalid(V, 'hooks are synchronous');
      return;
    }
    if (itemOp === OP_FAILOVER && r !== null && r !== undefined) {
      const o = classify(r);
      if (typeof o === 'string') {
        invalid(V, o);
        return;
      }
      V.errRow = 0;
      if (out === null) out = [];
      for (let k = 0; k < o.length; k++) out[out.length] = o[k];
      return;
    }
    V.errRow = 0;
  }

  function newSession(p) {
    const info = deepFreeze(p.info);
    const S = { info, chain: p.chain, ctx: [] };
    const states = p.states || {};
    for (let pos = 0; pos < p.chain.length; pos++) {
      const V = valves[p.chain[pos]];
      if (V === undefined) continue;
      let state = {};
      const s = states[V.key];
      if (typeof s === 'string') {
        try {
          const v = jsonParse(s);
          if (v !== null && typeof v === 'object') state = v;
        } catch {}
      }
      S.ctx[pos] = new Ctx(state, V.options, info, V.log);
    }
    return S;
  }

  function startItem() {
    itemOp = IN.op[i];
    const h = IN.h[i];
    changed = false;
    out = null;
    closeCode = 0;
    delayMs = 0;
    wTop = 0;
    track[1] = i;
    if (itemOp === OP_OPEN || itemOp === OP_ATTACH) {
      const p = jsonParse(IN.d[i]);
      itemSess = newSession(p);
      sessions.set(h, itemSess);
      if (itemOp === OP_ATTACH && !p.openNew) return; // re-attached after a restart: no hook
      for (let pos = itemSess.chain.length - 1; pos >= 0; pos--) {
        const V = valves[itemSess.chain[pos]];
        // on a hot reload only valves new to the session get open()
        if (V === undefined || (itemOp === OP_ATTACH && p.states && p.states[V.key] !== undefined)) continue;
        wPos[wTop] = pos;
        wBin[wTop] = 0;
        wData[wTop] = null;
        wTop++;
      }
      return;
    }
    itemSess = sessions.get(h);
    if (itemSess === undefined) return; // unknown session: nothing to run
    if (itemOp <= OP_FROM_BACKEND) {
      const len = itemSess.chain.length;
      itemLo = IN.lo === undefined ? 0 : IN.lo[i];
      itemHi = IN.hi === undefined || IN.hi[i] > len ? len : IN.hi[i];
      if (itemLo >= itemHi) return;
      wPos[0] = itemOp === OP_FROM_BACKEND ? itemHi - 1 : itemLo;
      wBin[0] = IN.bin[i];
      wData[0] = IN.d[i];
      wTop = 1;
      return;
    }
    if (itemOp === OP_FAILOVER) {
      const b = jsonParse(IN.d[i]);
      const prev = itemSess.info;
      const info = {};
      for (const k of Object.keys(prev)) info[k] = prev[k];
      info.backend = b;
      itemSess.info = deepFreeze(info);
      for (const c of itemSess.ctx) if (c !== undefined) c.session = itemSess.info;
    }
    for (let pos = itemSess.chain.length - 1; pos >= 0; pos--) {
      wPos[wTop] = pos;
      wBin[wTop] = 0;
      wData[wTop] = null;
      wTop++;
    }
  }

  function finishItem() {
    if (itemOp === OP_CLOSE) sessions.delete(IN.h[i]);
    if (itemOp <= OP_FROM_BACKEND ? changed : out !== null) {
      res[res.length] = i;
      res[res.length] = out === null ? [] : out;
    }
    if (closeCode !== 0) ev[ev.length] = [i, 2, closeCode, closeReason];
    if (delayMs !== 0) ev[ev.length] = [i, 3, delayMs];
    i++;
    active = false;
  }

  function flush(done) {
    const r = [done, res, ev, logs, done ? stats : null, i];
    last = r;
    res = [];
    ev = [];
    logs = [];
    if (done) {
      stats = new Int32Array(stats.length);
      IN = null;
    }
    return r;
  }

  /** Runs the batch (first call) or continues it (input undefined) until done or the slice ends. */
  function step(input) {
    last = null;
    if (input !== undefined) {
      IN = input;
      n = input.op.length;
      i = 0;
      active = false;
      clockNow = input.now;
    }
    const t0 = now();
    for (;;) {
      if (wTop === 0) {
        if (active) finishItem();
        if (i >= n) return flush(true);
        active = true;
        startItem();
        continue;
      }
      if (now() - t0 > slice) return flush(false);
      wTop--;
      call(wPos[wTop], wBin[wTop], wData[wTop]);
    }
  }

  /** After the host stopped a hook (timeout): charge the running valve and go on past it. */
  function fault(kind, message) {
    const V = curValve;
    if (!running) {
      // stopped after step() returned (microtasks a hook left behind): the result was complete
      const r = last;
      last = null;
      return r === null ? null : [r, V === null ? -1 : V.idx];
    }
    running = false;
    track[0] = 0;
    onError(V, kind, message, V.file, 0, 0);
    return null;
  }

  /** Registers a valve's module namespace; returns what the loader checks, as JSON. */
  function addValve(idx, ns, meta) {
    const hooks = [];
    const bad = [];
    const unknown = [];
    for (let h = 0; h < HOOKS.length; h++) {
      const f = ns[HOOKS[h]];
      if (f === undefined) hooks[h] = undefined;
      else if (typeof f === 'function') hooks[h] = f;
      else bad[bad.length] = HOOKS[h];
    }
    for (const k of Object.keys(ns)) if (!KNOWN.includes(k)) unknown[unknown.length] = k;
    let options;
    let optionsError;
    if (ns.options !== undefined) {
      try {
        options = jsonStringify(ns.options);
      } catch (e) {
        optionsError = describe(e);
      }
    }
    const V = {
      idx,
      name: meta.name,
      file: meta.file,
      key: meta.key,
      timeout: meta.timeout,
      onError: meta.onError,
      hooks,
      options: freeze({}),
      errRow: meta.errRow || 0,
      tripUntil: 0,
      logWindow: 0,
      logCount: 0,
      logDropped: 0,
      log: null,
    };
    V.log = makeLog(V);
    valves[idx] = V;
    if (stats.length < (idx + 1) * 10) {
      const s = new Int32Array((idx + 1) * 10);
      s.set(stats);
      stats = s;
    }
    return jsonStringify({
      hooks: HOOKS.filter((_, h) => hooks[h] !== undefined),
      bad,
      unknown,
      options,
      optionsError,
    });
  }

  /** Sets a valve's validated options (JSON), frozen, seen as ctx.options. */
  function configure(idx, json) {
    valves[idx].options = deepFreeze(jsonParse(json));
  }

  /** Takes sessions out of this isolate; returns each one's valve states as JSON, by valve key. */
  function detach(handles) {
    const out = [];
    for (let k = 0; k < handles.length; k++) out[k] = detachOne(handles[k]);
    return out;
  }

  function detachOne(h) {
    const S = sessions.get(h);
    const states = {};
    if (S === undefined) return '{}';
    sessions.delete(h);
    for (let pos = 0; pos < S.chain.length; pos++) {
      const c = S.ctx[pos];
      if (c === undefined) continue;
      try {
        const s = jsonStringify(c.state);
        if (s !== undefined) states[valves[S.chain[pos]].key] = s;
      } catch (e) {
        logs[logs.length] = [
          S.chain[pos],
          1,
          `ctx.state is not JSON-like and was not carried over: ${describe(e)}`,
        ];
      }
    }
    return jsonStringify(states);
  }

  /** Drops sessions (after a host-side failure that lost their close). */
  function forget(handles) {
    for (const h of handles) sessions.delete(h);
  }

  return freeze({ step, fault, addValve, configure, detach, forget });
});
