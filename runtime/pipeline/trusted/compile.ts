// Checks a trusted valve object once, when Sluice first gets it, and turns it into the entry the
// trusted pipeline runs: its hooks by index, its on-error policy, its ctx.options and its record.
import type { Logger } from '../../log.ts';
import { HOOK_NAMES } from '../../sandbox/batch-format.ts';
import { didYouMean } from '../../sandbox/did-you-mean.ts';
import { applyOptionsSchema } from '../../sandbox/options-schema.ts';
import type { Policy, TrustedRecord } from './record.ts';
import type { TrustedValve } from './types.ts';

type Hook = (this: unknown, ...args: unknown[]) => unknown;

/** A checked trusted valve. */
export interface TrustedEntry {
  /** The object: hooks are called as its methods. */
  readonly valve: TrustedValve;
  readonly record: TrustedRecord;
  /** By hook index (HOOK_NAMES: fromClient, fromBackend, open, failover, close). */
  readonly hooks: readonly (Hook | undefined)[];
  readonly policy: Policy;
  readonly options: Readonly<Record<string, unknown>>;
}

const POLICIES: readonly string[] = ['drop', 'pass', 'close'];
const KNOWN = [...HOOK_NAMES, 'name', 'onError', 'with', 'options'];

/**
 * Checks `v` (the `index`th of its list); throws an Error that names the valve and says what to
 * fix. `recordOf` gives the record for a name.
 */
export function compileTrustedValve(
  v: unknown,
  index: number,
  recordOf: (name: string) => TrustedRecord,
  logger: Logger,
): TrustedEntry {
  const where = `trustedValves[${index}]`;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new TypeError(`${where}: a trusted valve is an object { name, fromClient?, fromBackend?, … }`);
  }
  const valve = v as TrustedValve & Record<string, unknown>;
  if (typeof valve.name !== 'string' || valve.name.trim() === '') {
    throw new TypeError(
      `${where}: \`name\` must be a non-empty string (it labels logs, metrics and /pipeline)`,
    );
  }
  const label = `${where} ("${valve.name}")`;
  const hooks: (Hook | undefined)[] = [];
  for (const h of HOOK_NAMES) {
    const f = valve[h];
    if (f !== undefined && typeof f !== 'function')
      throw new TypeError(`${label}: \`${h}\` must be a function`);
    hooks.push(f as Hook | undefined);
  }
  if (hooks.every((h) => h === undefined)) {
    throw new TypeError(`${label}: a valve needs at least one hook (${HOOK_NAMES.join(', ')})`);
  }
  const policy = valve.onError ?? 'drop';
  if (!POLICIES.includes(policy)) {
    throw new TypeError(
      `${label}: \`onError\` must be 'drop', 'pass' or 'close', got ${JSON.stringify(policy)}`,
    );
  }
  for (const k of Object.keys(valve)) {
    if (KNOWN.includes(k)) continue;
    const hint = didYouMean(k, KNOWN);
    if (hint)
      logger.warn(
        { valve: valve.name, trusted: true },
        `${label}: \`${k}\` is ignored; did you mean '${hint}'?`,
      );
  }
  const options = optionsOf(valve, label);
  const record = recordOf(valve.name);
  record.onError = policy;
  record.hooks = HOOK_NAMES.filter((_, i) => hooks[i] !== undefined);
  return { valve, record, hooks, policy, options };
}

function optionsOf(valve: TrustedValve, label: string): Readonly<Record<string, unknown>> {
  const given = valve.with ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${label}: \`with\` must be an object (it becomes ctx.options)`);
  }
  if (valve.options === undefined) return Object.freeze({ ...given });
  let schema: string;
  let result: ReturnType<typeof applyOptionsSchema>;
  try {
    schema = JSON.stringify(valve.options);
    result = applyOptionsSchema(schema, given);
  } catch (e) {
    throw new TypeError(
      `${label}: \`with\` must be JSON-like when the valve has an \`options\` schema: ${(e as Error).message}`,
    );
  }
  if (!result.ok) throw new TypeError(`${label}: invalid with: ${result.messages.join('; ')}`);
  return deepFreeze(result.options);
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
