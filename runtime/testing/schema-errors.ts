// ajv errors → one sentence per key, for the test file and capture schemas. The alternatives of an
// anyOf/oneOf are summed up in one message (named by the schema's title) instead of one per branch.
import { typeName } from '../config/validate.ts';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import testFileSchema from '../../schemas/test-file.schema.json' with { type: 'json' };
import captureSchema from '../../schemas/capture.schema.json' with { type: 'json' };
import { checkDuration, describeValue } from '../config/duration.ts';
import { childPointer } from '../config/pointer.ts';
import { configSchema } from '../config/schema.ts';
import { didYouMean } from '../config/suggest.ts';

/** A schema error: where (JSON pointer, at the key or the value) and what. */
export interface SchemaError {
  pointer: string;
  at: 'key' | 'value';
  message: string;
}

let ajv: Ajv2020 | undefined;

function compiled(id: string): ValidateFunction {
  if (!ajv) {
    // strictRequired off: the Step oneOf names each action in `required` without repeating its schema
    ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    ajv.addSchema(configSchema);
    ajv.addSchema(testFileSchema);
    ajv.addSchema(captureSchema);
  }
  const fn = ajv.getSchema(id);
  if (!fn) throw new Error(`no schema ${id}`);
  return fn;
}

/** Validates a parsed test file against schemas/test-file.schema.json. */
export function validateTestFile(value: unknown): SchemaError[] {
  return run(compiled(testFileSchema.$id), value);
}

/** Validates one parsed capture line against schemas/capture.schema.json. */
export function validateCaptureLine(value: unknown): SchemaError[] {
  return run(compiled(captureSchema.$id), value);
}

const SUMMARIES: Record<string, string> = {
  Message: 'must be a string (text), { text, repeat }, { binary: <base64>, repeat } or { json: <any value> }',
  ExpectedMessage: 'must be a string (text), { text, repeat }, { binary: <base64> } or { json: <any value> }',
  Closed: 'must be true, false or { code, reason }',
  LogLine: 'must be a string (the message, or /regex/) or { message, level, valve }',
  CaptureData: 'must be a string: the text, or base64 for a binary message',
};

const STEP_ACTIONS = 'open, fromClient, fromBackend, advance or failover';

function run(validate: ValidateFunction, value: unknown): SchemaError[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // An anyOf/oneOf that failed: when a branch got as far as a nested key, that key's error is the
  // useful one ({ binary: '%%' } → "binary must be base64"); otherwise one summary for the value.
  const groups = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const drop = new Set<ErrorObject>();
  for (const g of groups) {
    // a step's branches only name its action: its own message always applies
    const isStep = (g.parentSchema as Node | undefined)?.title === 'Step';
    const deeper = !isStep && errors.some((e) => e.instancePath.startsWith(`${g.instancePath}/`));
    if (deeper) drop.add(g);
    for (const e of errors) {
      if (e === g || !e.schemaPath.startsWith(`${g.schemaPath}/`)) continue;
      if (!deeper || e.instancePath === g.instancePath) drop.add(e);
    }
  }
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // `if`/`then` only says the `then` branch failed; that branch's own error says how
    if (drop.has(e) || e.keyword === 'if') continue;
    const mapped = describe(e, errors);
    if (!mapped || seen.has(mapped.pointer)) continue;
    seen.add(mapped.pointer);
    out.push(mapped);
  }
  return out;
}

interface Node {
  title?: string;
  properties?: Record<string, unknown>;
  enum?: unknown[];
  type?: string | string[];
}

function describe(e: ErrorObject, all: ErrorObject[]): SchemaError | undefined {
  const schema = (e.parentSchema ?? {}) as Node;
  const at = { pointer: e.instancePath, at: 'value' as const };
  const got = ` (got ${describeValue(e.data)})`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(schema.properties ?? {});
      return {
        pointer: childPointer(e.instancePath, key),
        at: 'key',
        message: `unknown key "${key}"${didYouMean(key, known) || `; known keys: ${known.join(', ')}`}`,
      };
    }
    case 'oneOf':
    case 'anyOf': {
      if (schema.title === 'Step') {
        // a misspelt action is reported as an unknown key; no need to say the action is missing too
        if (all.some((x) => x.keyword === 'additionalProperties' && x.instancePath === e.instancePath)) {
          return undefined;
        }
        const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
        return {
          ...at,
          message: passing
            ? `a step takes exactly one action (${STEP_ACTIONS}): split it into several steps`
            : `a step needs one action: ${STEP_ACTIONS}`,
        };
      }
      return { ...at, message: `${SUMMARIES[schema.title ?? ''] ?? 'is invalid'}${got}` };
    }
    case 'required':
      return {
        ...at,
        message: `missing required key "${(e.params as { missingProperty: string }).missingProperty}"`,
      };
    case 'const':
      return { ...at, message: `must be true${got}` };
    case 'enum':
      return { ...at, message: `must be one of ${(schema.enum ?? []).map(String).join(', ')}${got}` };
    case 'minItems':
      return { ...at, message: 'must not be empty' };
    case 'minLength':
      return { ...at, message: 'must not be empty' };
    case 'pattern':
    case 'type': {
      if (schema.title === 'Duration') {
        if (typeof e.data === 'number')
          return { ...at, message: `${e.data} has no unit: write ${e.data}ms or ${e.data}s` };
        const ms = checkDuration(e.data);
        if (typeof ms === 'string') return { ...at, message: ms };
      }
      if (schema.title === 'Base64')
        return { ...at, message: `must be base64 (A-Z a-z 0-9 + /, = padding)${got}` };
      if (e.keyword === 'type') return { ...at, message: `must be ${typeName(schema.type)}${got}` };
      return { ...at, message: `${e.message ?? 'is invalid'}${got}` };
    }
    default:
      return { ...at, message: `${e.message ?? 'is invalid'}${got}` };
  }
}
