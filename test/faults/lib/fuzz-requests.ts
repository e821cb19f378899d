// Admin API requests and config file mutations for the fuzzer (scripts/fuzz.ts). All randomness
// comes from the seeded Rng, so a seed reproduces the inputs.
import { mutateBytes } from './fuzz-frames.ts';
import type { Rng } from './rng.ts';

export interface AdminFuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const ACTIONS = [
  'backend/disable',
  'backend/enable',
  'backend/failover',
  'backend/reset',
  'backend/delete',
  'session/abort',
  'session/failover',
  'frontend/pause',
  'frontend/resume',
];
const READS = [
  '/backend/list',
  '/session/list',
  '/frontend/list',
  '/pipeline',
  '/metrics',
  '/healthz',
  '/readyz',
];

/** A random admin request: real and hostile ids, odd methods, bodies and headers. */
export function adminRequest(rng: Rng, ids: string[]): AdminFuzzRequest {
  const hostile = [
    '',
    '..',
    '../../etc/passwd',
    '%00',
    '%2e%2e%2f',
    '%ZZ',
    'x'.repeat(10_240),
    '"quoted"',
    '\u00e9',
    '%F0%9F%92%A9',
    'a/b',
    '?x=1',
    '#frag',
  ];
  const id = rng.chance(0.4) && ids.length > 0 ? rng.pick(ids) : rng.pick(hostile);
  const kind = rng.int(4);
  let path: string;
  if (kind === 0) path = rng.pick(READS);
  else if (kind === 1) path = `/${rng.pick(ACTIONS)}/${encodeURIComponentLoose(rng, id)}`;
  else if (kind === 2)
    path = rng.pick([
      '/backend/add',
      '/pipeline/reload',
      `/backend/config/${encodeURIComponentLoose(rng, id)}`,
    ]);
  else
    path = `/${rng
      .bytes(rng.int(30))
      .toString('latin1')
      .replace(/[^\x21-\x7e]/g, '')}`;
  const method = rng.chance(0.7)
    ? rng.pick(['GET', 'POST'])
    : rng.pick(['PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'TRACE']);
  const headers: Record<string, string> = {};
  if (rng.chance(0.6))
    headers['content-type'] = rng.pick([
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
    ]);
  if (rng.chance(0.15)) headers.origin = rng.pick(['http://evil.example', 'null', 'http://127.0.0.1']);
  if (rng.chance(0.1)) headers['sec-fetch-site'] = 'cross-site';
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD' && rng.chance(0.7)) {
    const b = rng.int(5);
    if (b === 0)
      body = Buffer.from(
        JSON.stringify({
          id: `fz${rng.int(1000)}`,
          url: rng.pick(['ws://127.0.0.1:9', 'http://x', 'ws://169.254.169.254/', 'wss://[::1]:0/', '']),
        }),
      );
    else if (b === 1)
      body = Buffer.from(
        JSON.stringify({
          url: 'ws://127.0.0.1:9',
          'ping-time': rng.pick(['10', '-1s', 'abc', 5, null]),
          'breaker-threshold': rng.pick([0, -1, 'x', Number.MAX_VALUE]),
        }),
      );
    else if (b === 2) body = rng.bytes(rng.size(70_000));
    else if (b === 3) body = Buffer.from('{"url": "ws://127.0.0.1:9", "id": ');
    else
      body = Buffer.from(
        rng.pick([
          '',
          '<>',
          'null',
          '[]',
          '"x"',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{}}}',
        ]),
      );
  }
  return { method, path, headers, body };
}

function encodeURIComponentLoose(rng: Rng, id: string): string {
  return rng.chance(0.5) ? id : encodeURIComponent(id);
}

const INTERESTING = [
  '',
  '~',
  'null',
  '-1',
  '0',
  '1e309',
  '0777',
  '0o777',
  'yes',
  'NO',
  'on',
  '10',
  '1.5h',
  '-1s',
  'abc',
  '500ms',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: config ${VAR} syntax, not a template
  '${UNSET_VAR}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: config ${VAR} syntax, not a template
  '${X:-7}',
  '$${x}',
  '[]',
  '{}',
  '[1, [2, [3]]]',
  '"\\u0000"',
  '!!binary aGk=',
  '!!js/function x',
  '*nope',
  '&a x',
  'ws://',
  'http://127.0.0.1:9',
  'ws://127.0.0.1:70000',
  '99999999999999999999',
  "'unclosed",
  '"unclosed',
  'x'.repeat(5000),
];
const KEYS = [
  'server',
  'upstream',
  'pipeline',
  'backends',
  'url',
  'id',
  'frontend',
  'admin',
  'address',
  'token',
  'ping-time',
  'pong-timeout',
  'max-message-size',
  'valve',
  'with',
  'when',
  'timeout',
  'memory-mb',
  'on-error',
  'isolate',
  'selection',
  'failover-timeout',
  'max-reconnects',
  'backend',
  'adress',
  'test-clients',
  '<<',
  '? complex',
];

/** A mutation of a YAML config: bytes, lines, scalar values, keys, aliases, indentation. */
export function mutateConfig(rng: Rng, text: string): string {
  const lines = text.split('\n');
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(lines.length);
    const op = rng.int(9);
    if (op === 0) lines.splice(at, 1);
    else if (op === 1) lines.splice(at, 0, lines[at] ?? '');
    else if (op === 2) lines[at] = (lines[at] ?? '').replace(/:\s.*$/, `: ${rng.pick(INTERESTING)}`);
    else if (op === 3) lines[at] = (lines[at] ?? '').replace(/^(\s*-?\s*)[\w<?-]+/, `$1${rng.pick(KEYS)}`);
    else if (op === 4) lines[at] = rng.pick(['\t', ' ', '   ', '- ']) + (lines[at] ?? '');
    else if (op === 5) lines.splice(at, 0, `${rng.pick(KEYS)}: ${rng.pick(INTERESTING)}`);
    else if (op === 6)
      lines.push(
        'a: &a [x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a]',
        'c: [*b, *b, *b, *b, *b, *b, *b, *b]',
      );
    else if (op === 7) lines.splice(at, 0, `${' '.repeat(rng.int(8))}${'- '.repeat(rng.size(200))}x`);
    else lines[at] = mutateBytes(rng, Buffer.from(lines[at] ?? '')).toString('latin1');
  }
  return lines.join('\n');
}
