// A consecutive-failure circuit breaker per backend, as wsbalancer's (rubyist/circuitbreaker):
// it trips when `threshold` dials in a row fail; while tripped the backend is skipped, except that
// after an exponential backoff (500 ms ±50 %, ×1.5, up to 60 s) one trial dial is let through
// (half-open). A success closes it; a negative threshold disables it.
// A dial's verdict comes in two steps (flap-probation.ts): connected() when the handshake completes,
// then success() once the connection has outlived the backend's flap-window, or failure() when the
// backend drops it sooner (a flapping backend). connected() already closes a tripped breaker, so
// new sessions flow at once after a good trial, but the failure count stays until success(): a
// failure in between trips it again at once, and its backoff keeps growing.
// While tripped only the trial's verdicts change the state: connections made before the trip
// (a flapping backend drops hundreds at once, failover dials complete late) neither close the
// breaker nor lengthen its backoff. `trial` says whether a verdict is the trial's: the caller
// read `tripped` right after ready() admitted the dial.

const INITIAL_BACKOFF_MS = 500;
const MULTIPLIER = 1.5;
const MAX_BACKOFF_MS = 60_000;

export class Breaker {
  /** Changed by a config reload; takes effect from the next failure. */
  threshold: number;
  private consecutive = 0;
  private trippedFlag = false;
  private lastFailureAt = 0;
  private backoffMs = INITIAL_BACKOFF_MS;
  private nextBackoffMs = 0;
  private trialInFlight = false;
  /** Closed by connected() after a trial, not yet confirmed by success(). */
  private recovering = false;
  /** Called with true when the breaker trips, false when it closes again. */
  onChange: ((tripped: boolean) => void) | undefined;
  private readonly now: () => number;

  constructor(threshold: number, now: () => number = Date.now) {
    this.threshold = threshold;
    this.now = now;
  }

  get tripped(): boolean {
    return this.trippedFlag;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** May a dial go to this backend now? In the half-open state this admits one trial at a time. */
  ready(): boolean {
    if (!this.trippedFlag) return true;
    if (this.trialInFlight) return false;
    if (this.now() - this.lastFailureAt < this.nextBackoffMs) return false;
    this.trialInFlight = true;
    return true;
  }

  /** A handshake completed; its verdict (success or failure) follows. A trial closes a tripped breaker. */
  connected(trial: boolean): void {
    if (!trial) return;
    this.trialInFlight = false;
    if (this.trippedFlag) {
      this.trippedFlag = false;
      this.recovering = true;
      this.onChange?.(false);
    }
  }

  success(trial = true): void {
    if (this.trippedFlag && !trial) return;
    this.consecutive = 0;
    this.trialInFlight = false;
    this.recovering = false;
    this.backoffMs = INITIAL_BACKOFF_MS;
    if (this.trippedFlag) {
      this.trippedFlag = false;
      this.onChange?.(false);
    }
  }

  failure(trial = this.trialInFlight): void {
    if (this.threshold < 0) return;
    this.consecutive++;
    this.lastFailureAt = this.now();
    if (this.trippedFlag) {
      // Only a failed trial lengthens the backoff. Other failures while tripped are verdicts on
      // connections made before it tripped (a backend that drops hundreds of fresh sessions at
      // once): they restart the wait but must not push it to the 60 s cap.
      if (trial) {
        this.backoffMs = Math.min(this.backoffMs * MULTIPLIER, MAX_BACKOFF_MS);
        this.trialInFlight = false;
      }
      this.nextBackoffMs = jitter(this.backoffMs);
      return;
    }
    this.trialInFlight = false;
    if (this.consecutive >= this.threshold) {
      this.trippedFlag = true;
      // A trial that connected and then failed continues the backoff; a fresh trip starts it over.
      this.backoffMs = this.recovering
        ? Math.min(this.backoffMs * MULTIPLIER, MAX_BACKOFF_MS)
        : INITIAL_BACKOFF_MS;
      this.recovering = false;
      this.nextBackoffMs = jitter(this.backoffMs);
      this.onChange?.(true);
    }
  }

  /** A dial admitted by ready() ended without a verdict on the backend (client left, declined). */
  release(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }

  /** Admin reset: close the breaker now. Returns false when it was not tripped. */
  reset(): boolean {
    if (!this.trippedFlag) {
      this.consecutive = 0;
      return false;
    }
    this.success();
    return true;
  }
}

function jitter(ms: number): number {
  return ms * (0.5 + Math.random());
}
