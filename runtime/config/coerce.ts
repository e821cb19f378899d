// Schema-guided clean-up before validation: an empty key (`pass-headers:` with nothing) means the
// default; strings from ${VAR} or the environment become the booleans and integers their keys
// expect; YAML 1.1 booleans (yes/no/on/off) in boolean keys are read as booleans with a warning.
import type { ConfigProblem } from './model.ts';
import { childPointer, isRecord } from './pointer.ts';
import type { Locator } from './problems.ts';
import { resolveSchema, type SchemaNode } from './schema.ts';

const TRUE = new Set(['true']);
const FALSE = new Set(['false']);
/** Go's strconv.ParseBool forms, which wsbalancer accepted in env variables. */
const GO_TRUE = new Set(['1', 't']);
const GO_FALSE = new Set(['0', 'f']);
const YAML11_TRUE = new Set(['yes', 'y', 'on']);
const YAML11_FALSE = new Set(['no', 'n', 'off']);

/** Cleans `value` in place following `schema`; returns the cleaned value. */
export function coerce(
  value: unknown,
  schema: SchemaNode,
  pointer: string,
  locator: Locator,
  problems: ConfigProblem[],
): unknown {
  const node = resolveSchema(schema);
  if (isRecord(value) && node.properties) {
    for (const key of Object.keys(value)) {
      const child = node.properties[key];
      if (!child || !Object.hasOwn(node.properties, key)) continue;
      if (value[key] === null) delete value[key];
      else value[key] = coerce(value[key], child, childPointer(pointer, key), locator, problems);
    }
    return value;
  }
  if (Array.isArray(value) && node.items) {
    for (let i = 0; i < value.length; i++) {
      value[i] = coerce(value[i], node.items, childPointer(pointer, i), locator, problems);
    }
    return value;
  }
  if (typeof value !== 'string') return value;
  if (node.type === 'boolean') return toBoolean(value, pointer, locator, problems);
  if (node.type === 'integer' && /^\s*[+-]?[0-9]+\s*$/.test(value)) return Number(value);
  return value;
}

function toBoolean(value: string, pointer: string, locator: Locator, problems: ConfigProblem[]): unknown {
  const word = value.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  const fromEnv = locator.locate(pointer).file === 'env';
  if (fromEnv && GO_TRUE.has(word)) return true;
  if (fromEnv && GO_FALSE.has(word)) return false;
  const yes = YAML11_TRUE.has(word);
  if (!yes && !YAML11_FALSE.has(word)) return value; // validation reports it
  const message = fromEnv
    ? `"${value}" is read as ${yes}; write ${yes}`
    : `"${value}" is a YAML 1.1 boolean, read as ${yes}; write ${yes} (YAML 1.2 reads ${value} as a string)`;
  problems.push(locator.problem(pointer, message, 'warning'));
  return yes;
}
