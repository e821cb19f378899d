// wsbalancer compatibility before validation: other tools' top-level sections, the `wite-timeout`
// typo, the undocumented global backend forms (`upstream.pingtime`, …) and `upstream.urls`/`BE_URLS`
// turned into backend entries.
import type { ConfigProblem } from './model.ts';
import { childPointer, isRecord } from './pointer.ts';
import type { Locator } from './problems.ts';
import { configSchema } from './schema.ts';
import { didYouMean } from './suggest.ts';

const SECTIONS = Object.keys(configSchema.properties ?? {});

/** Undocumented global form → what to write instead. */
export const LEGACY_GLOBALS: Record<string, string> = {
  urls: 'upstream.backends[].url (or BE_URLS)',
  ids: 'upstream.backends[].id (or BE_URL_IDS)',
  pingtime: 'ping-time on each backend (or BE_PING_TIME)',
  readbuffersize: 'read-buffer-size on each backend (or BE_RB_SIZE)',
  writebuffersize: 'write-buffer-size on each backend (or BE_WB_SIZE)',
  breakerthreshold: 'breaker-threshold on each backend (or BE_BREAKER_THRESHOLD)',
  handshaketimeout: 'handshake-timeout on each backend (or BE_HANDSHAKE_TIMEOUT)',
  passheaders: 'pass-headers on each backend (or BE_PASS_HEADERS)',
  abnormalclosecodes: 'abnormal-close-codes on each backend (or BE_ABNORMAL_CLOSE_CODES)',
};

/** Warns about and removes sections Sluice does not know (they belong to other tools). */
export function dropUnknownSections(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(root)) {
    if (SECTIONS.includes(key)) continue;
    const hint = didYouMean(key, SECTIONS);
    const message = hint
      ? `unknown top-level section "${key}" is ignored${hint}`
      : `unknown top-level section "${key}" is ignored (Sluice reads ${SECTIONS.filter((s) => s !== '$schema').join(', ')})`;
    problems.push(locator.problem(childPointer('', key), message, 'warning', 'key'));
    delete root[key];
  }
  return problems;
}

/** Accepts wsbalancer's spellings with a warning naming the documented key. */
export function acceptLegacyKeys(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const server = root.server;
  for (const name of ['frontend', 'admin']) {
    const listener = isRecord(server) ? server[name] : undefined;
    if (!isRecord(listener) || !Object.hasOwn(listener, 'wite-timeout')) continue;
    const from = `/server/${name}/wite-timeout`;
    if (listener['write-timeout'] === undefined || listener['write-timeout'] === null) {
      listener['write-timeout'] = listener['wite-timeout'];
      locator.origins.set(`/server/${name}/write-timeout`, { kind: 'moved', pointer: from });
      problems.push(
        locator.problem(
          from,
          'wite-timeout is wsbalancer\'s misspelling: write "write-timeout"',
          'warning',
          'key',
        ),
      );
    } else {
      problems.push(
        locator.problem(
          from,
          'wite-timeout is ignored because write-timeout is also given; remove it',
          'warning',
          'key',
        ),
      );
    }
    delete listener['wite-timeout'];
  }
  const upstream = root.upstream;
  if (isRecord(upstream)) {
    for (const [key, instead] of Object.entries(LEGACY_GLOBALS)) {
      if (!Object.hasOwn(upstream, key) || upstream[key] === null) continue;
      const what = key === 'urls' || key === 'ids' ? 'adds backends' : 'applies to every backend';
      problems.push(
        locator.problem(
          `/upstream/${key}`,
          `upstream.${key} is an undocumented wsbalancer form that ${what}: write ${instead}`,
          'warning',
          'key',
        ),
      );
    }
  }
  return problems;
}

/** Appends a backend entry for each of `upstream.urls` (BE_URLS), with `upstream.ids` (BE_URL_IDS) as ids. */
export function expandUrlBackends(root: Record<string, unknown>, locator: Locator): ConfigProblem[] {
  const upstream = root.upstream;
  if (!isRecord(upstream)) return [];
  const urls = upstream.urls;
  const ids = upstream.ids;
  if (urls === undefined && ids === undefined) return [];
  if (!isStringList(urls ?? []) || !isStringList(ids ?? [])) return []; // validation reports the types
  const problems: ConfigProblem[] = [];
  const urlList = (urls ?? []) as string[];
  let idList = (ids ?? []) as string[];
  if (idList.length > 0 && idList.length !== urlList.length) {
    const idName = nameOf(locator, '/upstream/ids', 'upstream.ids');
    const urlName = nameOf(locator, '/upstream/urls', 'upstream.urls');
    const message = `${idName} has ${count(idList.length, 'id')} but ${urlName} has ${count(urlList.length, 'URL')}: give one id per URL, in the same order`;
    problems.push(locator.problem('/upstream/ids', message));
    idList = []; // the URLs still count as backends, so no second error says there are none
  }
  if (upstream.backends === undefined || upstream.backends === null) upstream.backends = [];
  const backends = upstream.backends;
  if (!Array.isArray(backends)) return problems;
  urlList.forEach((url, i) => {
    const at = `/upstream/backends/${backends.length}`;
    locator.origins.set(at, originOf(locator, `/upstream/urls/${i}`, '/upstream/urls'));
    locator.origins.set(`${at}/url`, originOf(locator, `/upstream/urls/${i}`, '/upstream/urls'));
    if (idList.length > 0) {
      locator.origins.set(`${at}/id`, originOf(locator, `/upstream/ids/${i}`, '/upstream/ids'));
      backends.push({ url, id: idList[i] });
    } else backends.push({ url });
  });
  delete upstream.urls;
  delete upstream.ids;
  return problems;
}

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The env variable name when `pointer` came from the environment, else the key. */
function nameOf(locator: Locator, pointer: string, key: string): string {
  const origin = locator.origins.get(pointer);
  return origin?.kind === 'env' ? origin.name : key;
}

function originOf(locator: Locator, item: string, list: string) {
  return locator.origins.get(list) ?? { kind: 'moved' as const, pointer: item };
}
