// V8 flags the proxy process runs with: `sluice run` re-executes itself with them when they are
// missing (execWithProxyNodeFlags), and the bench starts Sluice with them.
//
// --max-semi-space-size=16: a burst of session opens grows V8's young generation to its default
// maximum (64 MiB per semi-space in Node 24) and an idle proxy keeps it: ~100 MiB at 8k sessions,
// ~12 KiB of the ~19 KiB RSS per idle session. Capped at 16 MiB it stays small; measured no
// throughput cost (docs/performance.md, "Memory of an idle session"). It must be given at
// startup: set later from inside the process it has no effect.
export const PROXY_NODE_FLAGS = ['--max-semi-space-size=16'] as const;

/**
 * `sluice run` started without PROXY_NODE_FLAGS (`npx sluice run`, `node runtime/cli.ts run`):
 * replaces this process with one that has them — same PID, same stdio, signals unchanged
 * (process.execve, POSIX only; elsewhere it runs on as it is). A flag the user already gave, on
 * the command line or in NODE_OPTIONS, is left alone; SLUICE_NODE_FLAGS=off turns this off.
 */
export function execWithProxyNodeFlags(): void {
  if (typeof process.execve !== 'function' || process.env.SLUICE_NODE_FLAGS === 'off') return;
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const missing = PROXY_NODE_FLAGS.filter((flag) => {
    const name = flag.split('=')[0];
    return !given.some((g) => g === name || g.startsWith(`${name}=`));
  });
  if (missing.length === 0) return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}
