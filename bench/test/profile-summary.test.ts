import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CpuProfile } from '../profile/inspector.ts';
import { summarizeProfile } from '../profile/summary.ts';

const frame = (id: number, functionName: string, url: string, hitCount: number, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: id, columnNumber: 0 },
  hitCount,
  children,
});

// (root) → onClientMessage (runtime) → send (ws) → writev (native); plus idle and GC
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', 0, [2, 5, 6]),
    frame(2, 'onClientMessage', 'file:///x/runtime/frontend/session.ts', 10, [3]),
    frame(3, 'send', 'file:///x/node_modules/ws/lib/sender.js', 20, [4]),
    frame(4, 'writev', '', 60),
    frame(5, '(idle)', '', 500),
    frame(6, '(garbage collector)', '', 10),
  ],
  startTime: 0,
  endTime: 1,
};

describe('CPU profile summary', () => {
  const s = summarizeProfile('proxy', 'p.cpuprofile', profile, 3);

  test('counts busy samples only (idle is left out)', () => {
    assert.equal(s.samples, 100);
  });

  test('ranks functions by self time, in % of busy samples', () => {
    assert.deepEqual(
      s.top.map((t) => [t.fn, t.selfPct]),
      [
        ['writev', 60],
        ['send', 20],
        ['onClientMessage', 10],
      ],
    );
    assert.equal(s.top[1].where, 'node_modules/ws/lib/sender.js:4');
  });

  test('groups self time by area: native calls, libraries, runtime folders, GC', () => {
    const areas = Object.fromEntries(s.areas.map((a) => [a.area, a.pct]));
    assert.deepEqual(areas, { 'native: writev': 60, 'node_modules/ws': 20, 'runtime/frontend': 10, GC: 10 });
  });

  test("gives Sluice's own functions their inclusive time (self + callees)", () => {
    assert.deepEqual(
      s.runtimeInclusive.map((t) => [t.fn, t.selfPct]),
      [['onClientMessage', 90]],
    );
  });
});
