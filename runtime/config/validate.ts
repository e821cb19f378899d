// ajv validation against schemas/config.schema.json (defaults filled in as it goes), with each
// ajv error turned into one sentence at the key's or value's line:col.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { checkListenAddress } from './address.ts';
import { checkDuration, describeValue } from './duration.ts';
import type { ConfigProblem } from './model.ts';
import { childPointer } from './pointer.ts';
import type { Locator } from './problems.ts';
import { CONFIG_SCHEMA_ID, configSchema, type SchemaNode } from './schema.ts';
import { checkSize } from './size.ts';
import { didYouMean } from './suggest.ts';

let ajv: Ajv2020 | undefined;

function compiled(ref: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      verbose: true,
      allowUnionTypes: true,
      strict: true,
    });
    ajv.addSchema(configSchema);
  }
  const fn = ajv.getSchema(ref);
  if (!fn) throw new Error(`config schema has no ${ref}`);
  return fn;
}

/** Validates a whole config value in place (filling defaults); problems are located by `locator`. */
export function validateConfig(value: unknown, locator: Locator): ConfigProblem[] {
  return run(compiled(CONFIG_SCHEMA_ID), value, locator, '');
}

/** Validates one backend entry in place (filling defaults); `base` is its JSON pointer. */
export function validateBackend(value: unknown, locator: Locator, base: string): ConfigProblem[] {
  return run(compiled(`${CONFIG_SCHEMA_ID}#/$defs/backend`), value, locator, base);
}

function run(validate: ValidateFunction, value: unknown, locator: Locator, base: string): ConfigProblem[] {
  if (validate(value)) return [];
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const mapped = describeError(error);
    if (!mapped) continue;
    const pointer = base + mapped.pointer;
    if (seen.has(pointer)) continue; // one error per key: the first is the most specific
    seen.add(pointer);
    problems.push(locator.problem(pointer, mapped.message, 'error', mapped.at));
  }
  return problems;
}

interface MappedError {
  pointer: string;
  message: string;
  at: 'key' | 'value';
}

/** Our sentence for one ajv error. */
function describeError(error: ErrorObject): MappedError | undefined {
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const data: unknown = error.data;
  const value = { pointer: error.instancePath, at: 'value' as const };
  const got = ` (got ${describeValue(data)})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(schema.properties ?? {}).filter((k) => !schema.properties?.[k].deprecated);
      const hint = didYouMean(key, known) || `; known keys: ${known.join(', ')}`;
      return {
        pointer: childPointer(error.instancePath, key),
        message: `unknown key "${key}"${hint}`,
        at: 'key',
      };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { ...value, message: `missing required key "${key}"` };
    }
    case 'enum': {
      const allowed = (schema.enum ?? []).map(String);
      const hint = typeof data === 'string' ? didYouMean(data, allowed) : '';
      return { ...value, message: `must be one of ${allowed.join(', ')}${got}${hint}` };
    }
    case 'type':
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'not': {
      const special = kindMessage(schema.title, data);
      if (special) return { ...value, message: special };
      if (error.keyword === 'type') return { ...value, message: `must be ${typeName(schema.type)}${got}` };
      if (error.keyword === 'minimum' || error.keyword === 'maximum') {
        const { comparison, limit } = error.params as { comparison: string; limit: number };
        return {
          ...value,
          message: `must be ${comparison.replace('>=', '≥').replace('<=', '≤')} ${limit}${got}`,
        };
      }
      return { ...value, message: `${error.message ?? 'is invalid'}${got}` };
    }
    case 'minLength':
      return { ...value, message: 'must not be empty' };
    default:
      return { ...value, message: `${error.message ?? 'is invalid'}${got}` };
  }
}

/** Messages for the value kinds the schema names by title. */
function kindMessage(kind: string | undefined, data: unknown): string | undefined {
  switch (kind) {
    case 'Duration':
    case 'DurationOrZero': {
      const ms = checkDuration(data);
      if (typeof ms === 'string') return ms;
      return kind === 'Duration' && ms === 0 ? `${describeValue(data)} must be greater than 0` : undefined;
    }
    case 'Size': {
      const bytes = checkSize(data);
      return typeof bytes === 'string' ? bytes : undefined;
    }
    case 'ListenAddress': {
      const addr = checkListenAddress(data);
      return typeof addr === 'string' ? addr : undefined;
    }
    case 'LogLevel':
      return `unknown log level ${describeValue(data)}: use trace, debug, info, warn, error or fatal (panic means fatal)`;
    case 'WebSocketUrl':
      return `must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:9090 (got ${describeValue(data)})`;
    case 'BreakerThreshold':
      return typeof data === 'number' && Number.isInteger(data)
        ? '0 is not a breaker threshold: use 1 or more, or a negative number to disable the breaker'
        : `must be a whole number (got ${describeValue(data)})`;
    default:
      return undefined;
  }
}

/** How a JSON Schema type reads in an error message (`a whole number`, `a list`, …). */
export function typeName(type: SchemaNode['type']): string {
  const names: Record<string, string> = {
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping of keys',
  };
  const list = Array.isArray(type) ? type : [type ?? ''];
  return list.map((t) => names[t] ?? t).join(' or ');
}
