// Reads V8's sampling heap profile (what is still alive, by allocation site) into per-session
// figures for the report.
import type { HeapSite } from '../results.ts';
import { round } from '../stats.ts';
import type { HeapNode, HeapSamplingProfile } from './inspector.ts';
import { areaOf, where } from './summary.ts';

/** The `topN` allocation sites by live bytes, and live bytes by area, per session. */
export function summarizeHeap(
  profile: HeapSamplingProfile,
  sessions: number,
  topN = 15,
): { sites: HeapSite[]; areas: { area: string; bytesPerSession: number }[] } {
  const bySite = new Map<string, HeapSite & { bytes: number }>();
  const byArea = new Map<string, number>();
  const stack: HeapNode[] = [profile.head];
  while (stack.length > 0) {
    const n = stack.pop() as HeapNode;
    for (const c of n.children) stack.push(c);
    if (n.selfSize === 0) continue;
    const key = `${n.callFrame.functionName}|${n.callFrame.url}|${n.callFrame.lineNumber}`;
    const e = bySite.get(key) ?? {
      fn: n.callFrame.functionName || '(anonymous)',
      where: where(n.callFrame),
      bytes: 0,
      bytesPerSession: 0,
    };
    e.bytes += n.selfSize;
    bySite.set(key, e);
    const area = areaOf(n.callFrame);
    byArea.set(area, (byArea.get(area) ?? 0) + n.selfSize);
  }
  const sites = [...bySite.values()]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, topN)
    .map((e) => ({ fn: e.fn, where: e.where, bytesPerSession: round(e.bytes / sessions, 0) }));
  const areas = [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([area, bytes]) => ({ area, bytesPerSession: round(bytes / sessions, 0) }));
  return { sites, areas };
}
