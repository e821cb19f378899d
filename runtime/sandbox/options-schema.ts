// A valve's exported `options` JSON Schema, compiled with ajv (draft 2020-12, defaults filled in)
// on the proxy side, and applied to the pipeline entry's `with:` to make ctx.options.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { didYouMean } from './did-you-mean.ts';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

const ajv = new Ajv2020({ useDefaults: true, allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction | string>();

/** The result of applying a schema to `with:`: the options (defaults filled) or one message per problem. */
export type OptionsResult =
  | { ok: true; options: Record<string, unknown> }
  | { ok: false; messages: string[] };

function compile(schemaJson: string): ValidateFunction | string {
  let fn = compiled.get(schemaJson);
  if (fn === undefined) {
    try {
      fn = ajv.compile(JSON.parse(schemaJson) as object);
    } catch (e) {
      fn = `the exported \`options\` is not a valid JSON Schema: ${(e as Error).message}`;
    }
    compiled.set(schemaJson, fn);
  }
  return fn;
}

function keyPath(e: ErrorObject): string {
  const base = `with${e.instancePath.replace(/\/([^/]+)/g, (_, k: string) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))}`;
  if (e.keyword === 'required') return `${base}.${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties') {
    return `${base}.${(e.params as { additionalProperty: string }).additionalProperty}`;
  }
  return base;
}

function describe(e: ErrorObject, schema: unknown): string {
  const path = keyPath(e);
  if (e.keyword === 'required') return `${path} is required`;
  if (e.keyword === 'additionalProperties') {
    const props = Object.keys((schema as { properties?: Record<string, unknown> })?.properties ?? {});
    const hint = didYouMean(path.slice(path.lastIndexOf('.') + 1), props);
    return `${path} is not an option of this valve${hint ? ` (did you mean ${hint}?)` : ''}`;
  }
  if (e.keyword === 'enum') {
    return `${path} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${path} ${e.message ?? 'is invalid'}`;
}

/** Validates `withValue` against the valve's schema (JSON text; undefined = no schema, passed as is). */
export function applyOptionsSchema(
  schemaJson: string | undefined,
  withValue: Record<string, unknown>,
): OptionsResult {
  const options = structuredClone(withValue ?? {});
  if (schemaJson === undefined) return { ok: true, options };
  const fn = compile(schemaJson);
  if (typeof fn === 'string') return { ok: false, messages: [fn] };
  if (fn(options)) return { ok: true, options };
  return { ok: false, messages: (fn.errors ?? []).map((e) => describe(e, fn.schema)) };
}
