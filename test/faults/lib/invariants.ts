// The invariants every fault test checks on the proxy process: it is the same process (same PID,
// alive), and once the sessions are gone its fd count and RSS come back near where they started.
import assert from 'node:assert/strict';
import type { SluiceProcess } from '../../helpers/process-sluice.ts';
import { waitUntil } from '../../helpers/wait.ts';

export interface Baseline {
  pid: number;
  fds: number;
  rss: number;
}

/** Records the proxy's PID, fd count and RSS (call once it is started and idle). */
export function baseline(sp: SluiceProcess): Baseline {
  return { pid: sp.pid, fds: sp.fds(), rss: sp.rss() };
}

/** The proxy is still the same live process. */
export function assertSameProcess(sp: SluiceProcess, base: Baseline): void {
  assert.equal(sp.pid, base.pid);
  assert.ok(sp.alive(), `the Sluice process (pid ${base.pid}) died:\n${sp.output()}`);
  process.kill(base.pid, 0); // throws if the PID is gone
}

export interface RecoveryOptions {
  /** fds allowed above the baseline once every session ended (default 8). */
  fdSlack?: number;
  /** RSS allowed above the baseline, in bytes (default 96 MiB: V8 keeps grown heap pages). */
  rssSlack?: number;
  /** How long to wait for sessions and fds to go (default 10 s). */
  ms?: number;
  /** How long to wait for RSS to come back (default 20 s). */
  rssMs?: number;
}

/**
 * Closes the proxy's tracked clients, waits until it has no session left and its fd count is back near the baseline, then
 * checks RSS. Resolves with what it measured.
 */
export async function assertRecovered(
  sp: SluiceProcess,
  base: Baseline,
  options: RecoveryOptions = {},
): Promise<{ fds: number; rss: number }> {
  assertSameProcess(sp, base);
  await sp.closeClients();
  const fdSlack = options.fdSlack ?? 8;
  const rssSlack = options.rssSlack ?? 96 * 1024 * 1024;
  await waitUntil(
    async () => (await sp.metric('sluice_sessions_active')) === 0,
    'sluice_sessions_active to be 0',
    options.ms ?? 10_000,
    50,
  );
  const fds = await waitUntil(
    () => {
      const n = sp.fds();
      return n <= base.fds + fdSlack ? n : false;
    },
    `the fd count to return near ${base.fds}`,
    options.ms ?? 10_000,
    50,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; now ${sp.fds()} fds`);
  });
  // V8 gives freed heap pages back lazily (its memory reducer runs once the process idles)
  const rss = await waitUntil(
    () => {
      const now = sp.rss();
      return now <= base.rss + rssSlack ? now : false;
    },
    `RSS to come back within ${mb(rssSlack)} of the baseline ${mb(base.rss)}`,
    options.rssMs ?? 20_000,
    250,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; now ${mb(sp.rss())}`);
  });
  assertSameProcess(sp, base);
  return { fds, rss };
}

/** Bytes as MiB with one decimal, for messages. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
