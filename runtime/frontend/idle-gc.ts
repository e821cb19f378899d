// Gives back the young generation a burst of handshakes grew, once the process is idle.
//
// V8 sizes its young generation (up to 2 × 64 MiB of semi-spaces here) by how much survives its
// scavenges: a burst of session opens — thousands of long-lived objects in a few seconds — grows
// it to the maximum. V8 shrinks it again only in a GC that runs while its measured allocation
// rate is low, and its memory reducer returns the freed pages only when it sees a low rate too —
// but that rate is sampled at GCs, and an idle proxy allocates so little (a few KiB/s at 8,000
// sessions) that no GC ever runs: the process keeps ~100 MiB of empty young generation for good
// (measured: docs/performance.md, "Memory of an idle session").
//
// So, while the young generation is above its startup size and almost nothing is allocated, ask
// V8 for one minor GC now and then. It copies only the young generation's live objects (~1 ms when
// idle, up to ~25 ms right after a burst) and gives V8 a fresh sample: V8 then shrinks the young
// generation itself, and its memory reducer returns the pages some seconds later. Nothing is
// forced while traffic flows (V8 is collecting then anyway), and no full GC is ever requested:
// its pause grows with the number of sessions (~190 ms at 8,000).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The young generation's size at startup (Node 24: 16 MiB); above it, a burst grew it. */
const GROWN_BYTES = 16 * 1024 * 1024;
/** Allocated since the last check below this: idle (V8's own "low rate" is 1 MiB/s). */
const IDLE_ALLOCATION_BYTES = 256 * 1024;
const CHECK_MS = 1000;
/** Between unanswered nudges the wait doubles up to this. */
const MAX_BACKOFF_MS = 60_000;

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gcFunction: Gc | null | undefined;

/** V8's gc(), without starting Node with --expose-gc; undefined where it cannot be had. */
function exposedGc(): Gc | undefined {
  if (gcFunction === undefined) {
    gcFunction = null;
    const global = (globalThis as { gc?: unknown }).gc;
    if (typeof global === 'function') {
      gcFunction = global as Gc; // node --expose-gc
      return gcFunction;
    }
    try {
      // The flag only installs gc() in contexts created while it is set: one new context gets
      // it, and the flag is turned off again so later contexts (vm, embedders) do not.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as unknown;
      if (typeof gc === 'function') gcFunction = gc as Gc;
    } catch {
      // no gc(): the young generation stays as V8 leaves it
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return gcFunction ?? undefined;
}

function newSpace(): { size: number; used: number } {
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return { size: s.space_size, used: s.space_used_size };
  }
  return { size: 0, used: 0 };
}

/** Nudges V8 into shrinking a grown young generation while the process is idle. */
export class IdleGc {
  /** Minor GCs requested so far (for tests and diagnostics). */
  nudges = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastUsed = 0;
  private backoffMs = CHECK_MS;
  private nextAt = 0;
  private gc: Gc | undefined;

  /** `gc` for tests; by default V8's own, obtained at the first start(). */
  constructor(gc?: Gc) {
    this.gc = gc;
  }

  start(): void {
    this.gc ??= exposedGc();
    if (this.timer || !this.gc) return;
    this.lastUsed = newSpace().used;
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const space = newSpace();
    const allocated = space.used - this.lastUsed;
    this.lastUsed = space.used;
    if (space.size <= GROWN_BYTES) {
      this.backoffMs = CHECK_MS;
      return;
    }
    // A drop means V8 collected since the last check: it is active and sizes the space itself.
    if (allocated < 0 || allocated > IDLE_ALLOCATION_BYTES) return;
    const now = performance.now();
    if (now < this.nextAt) return;
    this.gc?.({ type: 'minor' });
    this.nudges++;
    this.lastUsed = newSpace().used;
    // V8 usually shrinks at the 2nd or 3rd nudge (its rate estimate needs a fresh sample); if it
    // keeps the space, ask less and less often.
    this.nextAt = now + this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
  }
}
