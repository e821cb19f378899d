// Orders the enabled backends for one dial: the first is the policy's pick, the others follow in
// rotation so a failed dial falls through to the next (round-robin, least-sessions, weighted).
import type { SelectionPolicy } from '../config/model.ts';
import type { Backend } from './backend.ts';

export class Selector {
  private readonly policy: SelectionPolicy;
  private next = 0;

  constructor(policy: SelectionPolicy) {
    this.policy = policy;
  }

  /** The enabled backends in the order this dial should try them. */
  order(enabled: Backend[]): Backend[] {
    const n = enabled.length;
    if (n === 0) return [];
    const start = this.next++ % n;
    if (this.next > 1e9) this.next = 0;
    const rotated = new Array<Backend>(n);
    for (let i = 0; i < n; i++) rotated[i] = enabled[(start + i) % n];
    if (this.policy === 'least-sessions') {
      // Stable sort keeps the rotation among equals, so ties spread evenly.
      return rotated.sort((a, b) => a.active - b.active);
    }
    if (this.policy === 'weighted') {
      const pick = smoothWeighted(enabled);
      return [pick, ...rotated.filter((b) => b !== pick)];
    }
    return rotated;
  }
}

/** nginx's smooth weighted round-robin: spreads picks evenly in proportion to weight. */
function smoothWeighted(enabled: Backend[]): Backend {
  let total = 0;
  let best = enabled[0];
  for (const b of enabled) {
    b.currentWeight += b.config.weight;
    total += b.config.weight;
    if (b.currentWeight > best.currentWeight) best = b;
  }
  best.currentWeight -= total;
  return best;
}
