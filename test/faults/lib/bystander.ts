// A session that keeps echoing one message after another while a fault hits another session, and
// records how long each round trip took: "other sessions keep flowing" as a measurement.
import type { TestClient } from '../../helpers/client.ts';
import { reply } from './numbered.ts';

export class Bystander {
  readonly latencies: number[] = [];
  /** Every answer, in order (`a|b7`, or `a|v2:b7` behind a tagging valve). */
  readonly answers: string[] = [];
  private running = true;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  /** Starts echoing on `client` (open, behind an echo backend that prefixes `<id>|`). */
  constructor(client: TestClient, maxRounds = 200_000) {
    this.done = (async () => {
      for (let i = 0; this.running && i < maxRounds; i++) {
        const t0 = performance.now();
        const answer = await reply(client, `b${i}`, 10_000);
        if (!/[|:]b\d+$/.test(answer) || !answer.endsWith(`b${i}`)) {
          throw new Error(`bystander got "${answer}" for b${i}`);
        }
        this.answers.push(answer);
        this.latencies.push(performance.now() - t0);
      }
    })().catch((err: Error) => {
      this.failure = err;
    });
  }

  /** Rounds completed so far. */
  get rounds(): number {
    return this.latencies.length;
  }

  /** Stops after the round in flight; rejects if a round failed. Resolves with the worst latency. */
  async stop(): Promise<number> {
    this.running = false;
    await this.done;
    if (this.failure) throw this.failure;
    return this.worst;
  }

  get worst(): number {
    return this.latencies.length ? Math.max(...this.latencies) : 0;
  }

  /** The p-th percentile latency (0–100). */
  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  }
}
