// Valve versions for hot-reload fault tests: a valve that tags every client message with its
// version (`v2:hello`), and waits on which version a session is served by.
import type { TestClient } from '../../helpers/client.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { reply } from './numbered.ts';

/**
 * The pipeline entry of the tag valve (./v.js). Its timeout is generous: these tests are about
 * reloads, and on a starved machine a 50 ms budget can expire on a trivial hook (a timeout, and
 * with the default on-error a dropped message, is then correct behaviour, but not this test's).
 */
export const TAG_ENTRY = { valve: './v.js', timeout: '1s' };

/** A valve whose fromClient prefixes every message with `${tag}:`. */
export function tagValve(tag: string): string {
  return `export function fromClient(msg) {\n  return '${tag}:' + msg.data;\n}\n`;
}

/** The tag the session is served with now (from one echoed probe). */
export async function tagOf(c: TestClient): Promise<string> {
  const answer = await reply(c, 'probe');
  const body = answer.slice(answer.indexOf('|') + 1);
  return body.includes(':') ? body.slice(0, body.indexOf(':')) : '';
}

/** Waits until the session is served by `tag`; resolves with the ms it took. */
export async function waitTag(c: TestClient, tag: string, ms = 5000): Promise<number> {
  const t0 = performance.now();
  await waitUntil(async () => (await tagOf(c)) === tag, `version ${tag} to serve`, ms, 20);
  return performance.now() - t0;
}

/** The tags of `answers` (`a|v1:b3`) in order, each run collapsed: ['v1', 'v2']. */
export function tagRuns(answers: string[]): string[] {
  const runs: string[] = [];
  for (const a of answers) {
    const body = a.slice(a.indexOf('|') + 1);
    const tag = body.includes(':') ? body.slice(0, body.indexOf(':')) : '';
    if (runs[runs.length - 1] !== tag) runs.push(tag);
  }
  return runs;
}
