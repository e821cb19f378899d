// `sluice new valve NAME`: a valve that passes every message (with an options schema and JSDoc
// types from valves/valve.d.ts) and a test file with a passing case. Existing files are never
// overwritten.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

/** Where this package's test file schema is (for the editor hint in the generated test). */
const TEST_SCHEMA = resolve(import.meta.dirname, '../../schemas/test-file.schema.json');

export const VALVE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export type ScaffoldResult = { ok: true; files: string[] } | { ok: false; existing: string[] };

/** Writes NAME.js and NAME.test.yaml into `dir` (created if needed), unless either exists. */
export async function scaffoldValve(name: string, dir: string): Promise<ScaffoldResult> {
  const valve = join(dir, `${name}.js`);
  const test = join(dir, `${name}.test.yaml`);
  const existing = [valve, test].filter((f) => existsSync(f));
  if (existing.length > 0) return { ok: false, existing };
  await mkdir(dir, { recursive: true });
  const schema = relative(resolve(dir), TEST_SCHEMA).replaceAll('\\', '/');
  // 'wx': a file created meanwhile is not overwritten either
  await writeFile(valve, valveSource(name), { flag: 'wx' });
  await writeFile(test, testSource(name, schema), { flag: 'wx' });
  return { ok: true, files: [valve, test] };
}

function valveSource(name: string): string {
  return `// ${name}: a Sluice valve. It runs sandboxed: no require, no packages, no timers, no I/O.
// Every hook is optional (a valve needs at least one); see docs/valves.md for the whole API.
// Types for your editor come from sluice's valves/valve.d.ts:
/** @typedef {import('sluice/valves/valve').Message} Message */
/** @typedef {import('sluice/valves/valve').Result} Result */
/** @typedef {{ seen: number }} State */
/** @typedef {{ tag: string }} Options */
/** @typedef {import('sluice/valves/valve').Ctx<State, Options>} Ctx */

/** JSON Schema of the pipeline entry's \`with:\`; checked when the pipeline loads, defaults filled in. */
export const options = {
  type: 'object',
  properties: {
    tag: { type: 'string', default: '', description: 'an example option, read as ctx.options.tag' },
  },
  additionalProperties: false,
};

/**
 * A message from the client, on its way to the backend.
 * Return undefined to pass it on, null to drop it, or a string / Uint8Array / array to replace it.
 * @param {Message} msg
 * @param {Ctx} ctx
 * @returns {Result}
 */
export function fromClient(msg, ctx) {
  ctx.state.seen = (ctx.state.seen ?? 0) + 1;
  return undefined;
}

/**
 * A message from the backend, on its way to the client.
 * @param {Message} msg
 * @param {Ctx} ctx
 * @returns {Result}
 */
export function fromBackend(msg, ctx) {
  return undefined;
}
`;
}

function testSource(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# Run it with: npx sluice test   (runs every *.test.yaml under the current folder; see docs/testing.md)
pipeline:
  - valve: ./${name}.js
    with: { tag: example }
cases:
  - name: ${name} passes messages both ways
    session: { path: /${name} }
    steps:
      - fromClient: hello
        expect: { toBackend: [hello], toClient: [] }
      - fromBackend: { json: { ok: true } }
        expect: { toClient: [{ json: { ok: true } }], closed: false }
`;
}
