// Command-line options of `npm run bench` and the durations of the quick and full runs.

export const SCENARIOS = ['throughput', 'latency', 'idle', 'failover', 'reload'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export const TARGET_NAMES = ['direct', 'nginx', 'haproxy', 'sluice-0v', 'sluice-1v', 'sluice-3v'] as const;

export interface BenchOptions {
  full: boolean;
  scenarios: Set<ScenarioName>;
  targets: Set<string>;
  /** Load-generator processes for the throughput and latency scenarios. */
  loadProcs: number;
  /** CPU-profile Sluice (proxy and valve host) under load and summarize the hot frames. */
  profile: boolean;
  /** Message size of the profiled closed loop (default 64 B). */
  profileSize: number;
  resultsDir: string;
  /** The Sluice checkout whose runtime/cli.ts runs (default: this one); compares two trees. */
  sluiceRoot: string | undefined;
  /** Sluice's built-in size-limit, json-schema and redact instead of bench/valves/. */
  builtinValves: boolean;
  throughput: {
    sizes: number[];
    conns: number[];
    /** Messages in flight per connection; each value is a run of the whole matrix. */
    windows: number[];
    warmupMs: number;
    durationMs: number;
    reps: number;
    headlineReps: number;
  };
  latency: {
    rate: number;
    conns: number;
    size: number;
    /** Unmeasured load before each round; before the first round, firstWarmupMs. */
    warmupMs: number;
    firstWarmupMs: number;
    roundMs: number;
    rounds: number;
  };
  /**
   * settleMs after the opens RSS is read once (at open); then every 500 ms until it has not
   * fallen by 1 % for 2 s, at most settleMaxMs (idle: the process gave back what opening took).
   */
  idle: { counts: number[]; settleMs: number; settleMaxMs: number; skip: string[] };
  /** How long to wait for the machine to be quiet before each measurement. */
  quietMs: number;
  failover: {
    sessions: number;
    ratePerConn: number;
    size: number;
    killAfterMs: number;
    afterMs: number;
    /** After the dead backend's sockets close, how long a message may still have been written. */
    graceMs: number;
    reps: number;
  };
  reload: { rate: number; conns: number; size: number; steadyMs: number; reloadMs: number; everyMs: number };
}

export const USAGE = `npm run bench -- [--full] [--only a,b] [--targets a,b] [--load-procs N] [--quiet MS] [--window N] [--profile] [--profile-size B] [--out DIR] [--sluice DIR] [--builtin-valves]
  --full         longer runs and 3 repetitions (median); the default is the quick run (< 3 min)
  --only         scenarios: ${SCENARIOS.join(',')}
  --targets      targets: ${TARGET_NAMES.join(',')}
  --load-procs   load-generator processes for throughput (default 1)
  --window       messages in flight per connection in the throughput closed loop (default 8;
                 the full run also measures 1)
  --profile      also CPU-profile Sluice under the 64 B / 128 connection load (bench/results/*.cpuprofile)
  --profile-size message size of the profiled load in bytes (default 64; e.g. 4096)
  --out          where latest.json goes (default bench/results)
  --quiet MS     before each measurement, wait up to MS for the machine to be quiet (other work
                 below 25 % of a core; default 1000, full run 10000)
  --sluice DIR   run the Sluice of another checkout (DIR/runtime/cli.ts), e.g. to compare a branch
  --builtin-valves  the 1- and 3-valve targets use Sluice's built-in size-limit, json-schema and
                 redact instead of the bench's own valves (bench/valves/)`;

/** Parses argv (after `node bench/run.ts`); throws with the usage on a bad option. */
export function parseOptions(argv: string[], defaultResultsDir: string): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full' || a === '--profile' || a === '--builtin-valves') flags.set(a, '1');
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else if (
      [
        '--only',
        '--targets',
        '--load-procs',
        '--window',
        '--out',
        '--sluice',
        '--quiet',
        '--profile-size',
      ].includes(a) &&
      i + 1 < argv.length
    )
      flags.set(a, argv[++i]);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  const list = (v: string | undefined, all: readonly string[], what: string) => {
    if (v === undefined) return new Set(all);
    const picked = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = picked.filter((p) => !all.includes(p));
    if (bad.length > 0) throw new Error(`unknown ${what}: ${bad.join(', ')} (known: ${all.join(', ')})`);
    return new Set(picked);
  };
  const full = flags.has('--full');
  const loadProcs = Number(flags.get('--load-procs') ?? 1);
  if (!Number.isInteger(loadProcs) || loadProcs < 1 || loadProcs > 4)
    throw new Error('--load-procs is 1 to 4');
  const window = flags.has('--window') ? Number(flags.get('--window')) : undefined;
  if (window !== undefined && (!Number.isInteger(window) || window < 1 || window > 256))
    throw new Error('--window is 1 to 256');
  const quiet = flags.has('--quiet') ? Number(flags.get('--quiet')) : full ? 10_000 : 1000;
  if (!Number.isFinite(quiet) || quiet < 0) throw new Error('--quiet is a number of milliseconds');
  const profileSize = Number(flags.get('--profile-size') ?? 64);
  if (!Number.isInteger(profileSize) || profileSize < 64 || profileSize > 1 << 20)
    throw new Error('--profile-size is 64 to 1048576 bytes');
  return {
    full,
    scenarios: list(flags.get('--only'), SCENARIOS, 'scenario') as Set<ScenarioName>,
    targets: list(flags.get('--targets'), TARGET_NAMES, 'target'),
    loadProcs,
    profile: flags.has('--profile'),
    profileSize,
    resultsDir: flags.get('--out') ?? defaultResultsDir,
    sluiceRoot: flags.get('--sluice'),
    builtinValves: flags.has('--builtin-valves'),
    throughput: {
      sizes: [64, 4096],
      conns: [16, 128],
      windows: window !== undefined ? [window] : full ? [8, 1] : [8],
      warmupMs: full ? 1000 : 300,
      durationMs: full ? 5000 : 1000,
      reps: full ? 3 : 1,
      // the mix the bars are read on gets 3 repetitions (median) even in the quick run
      headlineReps: 3,
    },
    quietMs: quiet,
    // rounds interleave the targets, so a burst of other work on the machine hits all of them
    latency: {
      rate: 2000,
      conns: 100,
      size: 200,
      warmupMs: 300,
      // p99 at this rate keeps falling for seconds after the heavier throughput load (the
      // processes adapt to the new pattern): measured from ~3.5 to ~0.9 ms over 20 s with 3 valves
      firstWarmupMs: full ? 10_000 : 3000,
      roundMs: full ? 2000 : 1000,
      rounds: full ? 10 : 3,
    },
    // the quick run leaves out sluice-1v here (it sits between 0 and 3 valves)
    idle: {
      counts: [1000, 8000],
      settleMs: full ? 3000 : 500,
      settleMaxMs: full ? 30_000 : 15_000,
      skip: full ? [] : ['sluice-1v'],
    },
    failover: {
      sessions: 100,
      ratePerConn: 50,
      size: 200,
      killAfterMs: full ? 1000 : 500,
      afterMs: full ? 1500 : 1000,
      graceMs: 5,
      reps: full ? 3 : 1,
    },
    reload: {
      rate: 2000,
      conns: 100,
      size: 200,
      steadyMs: full ? 10_000 : 2000,
      reloadMs: full ? 10_000 : 3000,
      everyMs: 1000,
    },
  };
}
