// CPU time and RSS of processes, from /proc (Linux). CPU is reported in % of one core, so on this
// 2-core machine all processes together can reach 200 %.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU ticks of `pid` (all its threads); 0 when it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces), counted from field 3
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

/** Resident set size of `pid` in KiB; 0 when it is gone. */
export function rssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` (children, their children, …). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop() as number;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/** Ticks of the whole machine (all cores), from /proc/stat: busy, softirq + irq, steal, total. */
export function machineTicks(): { busy: number; irq: number; steal: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3] + cpu[4];
  return { busy: total - idle, irq: cpu[5] + cpu[6], steal: cpu[7], total };
}

/** Time the main thread of `pid` spent runnable but waiting for a core, in ns (schedstat). */
export function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

/** The groups of processes whose CPU the bench reports. */
export type CpuGroups = Record<string, () => number[]>;

/**
 * CPU use over an interval, in % of one core: one key per group; `softirq` (the kernel's network
 * work, charged to no process), `steal` (the hypervisor), `others` (every other process on the
 * machine); and `<group>Wait`: ms per second the group's main threads waited for a core.
 */
export type CpuUse = Record<string, number>;

/** Starts measuring; the returned function ends the interval and gives each group's use. */
export function startCpu(groups: CpuGroups): () => CpuUse {
  const pids = Object.fromEntries(Object.entries(groups).map(([k, f]) => [k, f()]));
  const sum = (list: number[]) => list.reduce((a, p) => a + cpuTicks(p), 0);
  const wait = (list: number[]) => list.reduce((a, p) => a + runQueueWaitNs(p), 0);
  const before = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, sum(list)]));
  const waitBefore = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, wait(list)]));
  const m0 = machineTicks();
  const t0 = performance.now();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const m1 = machineTicks();
    const pct = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / seconds;
    const use: CpuUse = {};
    let ours = 0;
    for (const [k, list] of Object.entries(pids)) {
      const ticks = Math.max(0, sum(list) - before[k]);
      ours += ticks;
      use[k] = round1(pct(ticks));
      if (list.length > 0) use[`${k}Wait`] = round1((wait(list) - waitBefore[k]) / 1e6 / seconds);
    }
    // machine ticks add up every core, so these are already in % of one core
    const irq = m1.irq - m0.irq;
    const steal = m1.steal - m0.steal;
    use.softirq = round1(pct(irq));
    use.steal = round1(pct(steal));
    use.others = round1(Math.max(0, pct(m1.busy - m0.busy - irq - steal - ours)));
    return use;
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Waits (at most `maxMs`) until the whole machine is below `busyPct` % of one core over a 200 ms
 * sample, so that a measurement does not start in the middle of someone else's burst (other
 * developers' tests share this machine). Returns the last sample's busy %.
 */
export async function waitQuiet(maxMs: number, busyPct = 25): Promise<number> {
  const end = performance.now() + maxMs;
  let busy = 0;
  do {
    const a = machineTicks();
    await new Promise((r) => setTimeout(r, 200));
    const b = machineTicks();
    busy = (100 * (b.busy - a.busy)) / TICKS_PER_SECOND / 0.2;
    if (busy < busyPct) break;
  } while (performance.now() < end);
  return round1(busy);
}
