// ctx.delay(ms) on a virtual clock: outcomes of one direction are held in order (a held message
// holds the later ones of its direction, as in a real session) and go on when advancing the clock
// passes their time. Both directions release in time order.
import type { Direction, ValveOutcome, WireMessage } from '../pipeline/types.ts';
import type { VirtualClock } from '../sandbox/clock.ts';

interface Held {
  original: WireMessage;
  outcome: ValveOutcome;
  at: number;
}

export type Release = (direction: Direction, original: WireMessage, outcome: ValveOutcome) => void;

export class VirtualDelays {
  private readonly lines: Record<Direction, Held[]> = { fromClient: [], fromBackend: [] };
  private readonly release: Release;

  constructor(release: Release) {
    this.release = release;
  }

  /** True while messages of `direction` are held (a new one must queue behind them). */
  holding(direction: Direction): boolean {
    return this.lines[direction].length > 0;
  }

  /** Holds an outcome until the clock reaches `now + outcome.delayMs`. */
  hold(direction: Direction, original: WireMessage, outcome: ValveOutcome, now: number): void {
    this.lines[direction].push({ original, outcome, at: now + outcome.delayMs });
  }

  /** Advances `clock` by `ms`, releasing each held outcome at its time, earliest first. */
  advanceTo(clock: VirtualClock, ms: number): void {
    const target = clock.now() + ms;
    for (;;) {
      const c = this.lines.fromClient[0];
      const b = this.lines.fromBackend[0];
      const next = c && (!b || c.at <= b.at) ? 'fromClient' : b ? 'fromBackend' : undefined;
      if (next === undefined) break;
      const head = this.lines[next][0];
      // a message behind a longer delay goes when the one ahead of it goes
      if (head.at > target) break;
      if (head.at > clock.now()) clock.advance(head.at - clock.now());
      this.lines[next].shift();
      this.release(next, head.original, head.outcome);
    }
    if (target > clock.now()) clock.advance(target - clock.now());
  }

  clear(): void {
    this.lines.fromClient.length = 0;
    this.lines.fromBackend.length = 0;
  }
}
