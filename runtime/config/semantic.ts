// Checks that span keys or need more than a schema: listen ports, the admin token rule, at least
// one backend, unique backend ids, water marks. Values may still be of the wrong type here
// (validation reported those), so every check looks before it reads.
import { checkListenAddress, isLoopbackHost } from './address.ts';
import { backendIdFor } from './backend.ts';
import type { ConfigProblem } from './model.ts';
import { displayPath, isRecord, valueAt } from './pointer.ts';
import type { Locator } from './problems.ts';
import { checkSize } from './size.ts';

/** Cross-key problems of a validated (defaults filled) config value. */
export function checkSemantics(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  return [
    ...checkListeners(root, locator),
    ...checkBackends(root, locator),
    ...checkWaterMarks(root, locator),
  ];
}

function checkListeners(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of ['frontend', 'admin']) {
    const pointer = `/server/${name}/address`;
    const address = valueAt(root, pointer);
    if (typeof address !== 'string') continue;
    const parsed = checkListenAddress(address);
    if (typeof parsed === 'string') {
      problems.push(locator.problem(pointer, parsed));
      continue;
    }
    if (name !== 'admin' || isLoopbackHost(parsed.host)) continue;
    const token = valueAt(root, '/server/admin/token');
    if (typeof token === 'string' && token !== '') continue;
    const why = parsed.host === '' ? 'it listens on every interface' : `host ${parsed.host}`;
    problems.push(
      locator.problem(
        pointer,
        `server.admin.address "${address}" is not loopback (${why}): set server.admin.token (or SLUICE_ADMIN_TOKEN), or listen on 127.0.0.1`,
      ),
    );
  }
  return problems;
}

function checkBackends(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const backends = valueAt(root, '/upstream/backends');
  if (!Array.isArray(backends)) return [];
  if (backends.length === 0) {
    const message = 'at least one backend is required (upstream.backends or BE_URLS)';
    if (locator.file === 'env') {
      // no file at all (loadConfigFromEnv): BE_URLS is the only place backends can come from
      return [{ file: 'env', line: 0, column: 0, path: 'BE_URLS', message, severity: 'error' }];
    }
    return [locator.problem('/upstream/backends', message, 'error', 'key')];
  }
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  backends.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.url !== 'string') return;
    const urlProblem = checkUrl(entry.url);
    if (urlProblem) problems.push(locator.problem(`/upstream/backends/${i}/url`, urlProblem));
    const given = typeof entry.id === 'string';
    const id = given ? (entry.id as string) : backendIdFor(entry.url);
    const pointer = `/upstream/backends/${i}`;
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, pointer);
      return;
    }
    const firstPlace = locator.locate(first);
    const where = firstPlace.file === 'env' ? `a backend from ${firstPlace.path}` : displayPath(first);
    const how = given ? '' : ` (the default id, from ${entry.url})`;
    problems.push(
      locator.problem(
        given ? `${pointer}/id` : `${pointer}/url`,
        `backend id "${id}"${how} is already used by ${where}: give each backend a distinct id`,
      ),
    );
  });
  return problems;
}

function checkWaterMarks(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const high = checkSize(valueAt(root, '/server/high-water-mark'));
  const low = checkSize(valueAt(root, '/server/low-water-mark'));
  if (typeof high !== 'number' || typeof low !== 'number' || low < high) return [];
  return [
    locator.problem(
      '/server/low-water-mark',
      `low-water-mark (${low} bytes) must be below high-water-mark (${high} bytes): reading resumes under the low mark`,
    ),
  ];
}

/** Why a ws:// URL that passed the schema's pattern cannot be dialed, if it cannot. */
function checkUrl(url: string): string | undefined {
  if (!/^wss?:\/\//i.test(url)) return undefined; // validation reports the scheme
  const port = /^wss?:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):([0-9]+)/i.exec(url)?.[1];
  if (port !== undefined && Number(port) > 65535) return `"${url}": port ${port} is out of range (0–65535)`;
  try {
    new URL(url);
  } catch {
    return `"${url}" is not a valid URL: write ws://host:port/path`;
  }
  return undefined;
}
