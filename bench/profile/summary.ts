// Reads a V8 CPU profile into what the report shows: self time by area and the hottest functions.
import type { ProfileFrame, ProfileSummary } from '../results.ts';
import { round } from '../stats.ts';
import type { CpuProfile } from './inspector.ts';

type Node = CpuProfile['nodes'][number];

/** A stack frame as both profilers describe it. */
export interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Which part of the stack a frame belongs to (ws, runtime/frontend, node:net, GC…). */
export function areaOf(frame: Frame): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program: native, not attributed)';
  if (url === '') return `native: ${functionName || '(anonymous)'}`;
  const m = url.match(/\/node_modules\/([^/]+)\//);
  if (m) return `node_modules/${m[1]}`;
  const r = url.match(/\/(runtime\/[^/]+)\//);
  if (r) return r[1];
  if (url.includes('/runtime/')) return 'runtime';
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '');
  if (url.includes('/bench/')) return 'bench';
  return url.replace(/^.*\//, '');
}

/** `runtime/frontend/session.ts:12`, `node_modules/ws/lib/sender.js:79`, `(native)`. */
export function where(frame: Frame): string {
  const { url, lineNumber } = frame;
  if (!url) return '(native)';
  const short = url.replace(/^file:\/\/.*?\/(runtime|node_modules|bench)\//, '$1/').replace(/^file:\/\//, '');
  return `${short}:${lineNumber + 1}`;
}

/** Summarizes `profile`: self time by area and the `topN` functions with most self time. */
export function summarizeProfile(
  process: string,
  file: string,
  profile: CpuProfile,
  topN = 15,
): ProfileSummary {
  let busy = 0;
  const byArea = new Map<string, number>();
  const byFn = new Map<string, { fn: string; where: string; hits: number }>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    busy += hits;
    const area = areaOf(n.callFrame);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    const key = `${n.callFrame.functionName}|${n.callFrame.url}|${n.callFrame.lineNumber}`;
    const e = byFn.get(key) ?? {
      fn: n.callFrame.functionName || '(anonymous)',
      where: where(n.callFrame),
      hits: 0,
    };
    e.hits += hits;
    byFn.set(key, e);
  }
  const pct = (h: number) => round((100 * h) / Math.max(1, busy), 1);
  const top: ProfileFrame[] = [...byFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, topN)
    .map((e) => ({ selfPct: pct(e.hits), fn: e.fn, where: e.where }));
  const areas = [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([area, h]) => ({ area, pct: pct(h) }));
  return { process, file, samples: busy, areas, top, runtimeInclusive: inclusive(profile, pct) };
}

/** Sluice's functions by inclusive time (a frame is counted once per sample even if recursive). */
function inclusive(profile: CpuProfile, pct: (h: number) => number, topN = 12): ProfileFrame[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, { fn: string; where: string; hits: number }>();
  // walk from the root carrying the set of runtime frames on the stack
  const root = profile.nodes[0];
  const walk = (n: Node, onStack: Set<string>) => {
    const key = `${n.callFrame.functionName}|${n.callFrame.url}|${n.callFrame.lineNumber}`;
    const mine = n.callFrame.url.includes('/runtime/') && !onStack.has(key);
    if (mine) onStack.add(key);
    const hits = n.callFrame.functionName === '(idle)' ? 0 : (n.hitCount ?? 0);
    for (const k of onStack) {
      const e = totals.get(k);
      if (e) e.hits += hits;
    }
    if (mine && !totals.has(key))
      totals.set(key, { fn: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame), hits });
    for (const c of n.children ?? []) {
      const child = byId.get(c);
      if (child) walk(child, onStack);
    }
    if (mine) onStack.delete(key);
  };
  if (root) walk(root, new Set());
  return [...totals.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, topN)
    .map((e) => ({ selfPct: pct(e.hits), fn: e.fn, where: e.where }));
}
