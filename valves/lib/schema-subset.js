// A compact JSON Schema (draft 2020-12) validator for the subset of keywords in SUBSET_SCHEMA,
// compiled once into small functions (ajv cannot run in the sandbox). A validator returns
// undefined, or the first error found: { keyword, message, segs } with the path to the failing
// value as segments, innermost first (the caller formats them).

const TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'];
const ref = { $ref: '#/$defs/schema' };
const count = { type: 'integer', minimum: 0 };
const list = { type: 'array', minItems: 1, items: ref };

/** The JSON Schema of a schema in the subset (for a valve's `options.$defs`); unknown keywords are rejected. */
export const SUBSET_SCHEMA = {
  type: ['object', 'boolean'],
  properties: {
    $schema: { type: 'string' },
    $id: { type: 'string' },
    $comment: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    default: true,
    examples: { type: 'array' },
    type: {
      anyOf: [{ enum: TYPES }, { type: 'array', minItems: 1, uniqueItems: true, items: { enum: TYPES } }],
    },
    const: true,
    enum: { type: 'array', minItems: 1 },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    exclusiveMinimum: { type: 'number' },
    exclusiveMaximum: { type: 'number' },
    minLength: count,
    maxLength: count,
    pattern: { type: 'string', format: 'regex' },
    required: { type: 'array', uniqueItems: true, items: { type: 'string' } },
    properties: { type: 'object', additionalProperties: ref },
    additionalProperties: ref,
    prefixItems: list,
    items: ref,
    minItems: count,
    maxItems: count,
    anyOf: list,
    oneOf: list,
    allOf: list,
    not: ref,
  },
  additionalProperties: false,
};

const hasOwn = Object.prototype.hasOwnProperty;
const isArray = Array.isArray;
/** The validator of `true` and `{}`: every value is valid. */
export const ANY = () => undefined;
const pass = ANY;

function fail(keyword, message, seg) {
  return { keyword, message, segs: seg === undefined ? [] : [seg] };
}

function is(type, v) {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return isArray(v);
    default:
      return v !== null && typeof v === 'object' && !isArray(v);
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !isArray(v);
}

/** Deep equality of JSON values. */
export function equal(a, b) {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (isArray(a) !== isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!hasOwn.call(b, k) || !equal(a[k], b[k])) return false;
  return true;
}

function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

/** Compiles `schema` (a schema of the subset) into validate(value) → undefined | error. */
export function compileSchema(schema) {
  if (schema === true || schema === undefined) return pass;
  if (schema === false) return () => fail('false', 'is not allowed');
  const s = schema;
  const checks = [];
  if (s.type !== undefined) {
    const types = isArray(s.type) ? s.type : [s.type];
    const message = `must be ${types.join(' or ')}`;
    checks.push(
      types.length === 1
        ? (v) => (is(types[0], v) ? undefined : fail('type', message))
        : (v) => (types.some((t) => is(t, v)) ? undefined : fail('type', message)),
    );
  }
  if (hasOwn.call(s, 'const')) {
    const c = s.const;
    const message = `must be ${JSON.stringify(c)}`;
    checks.push((v) => (equal(v, c) ? undefined : fail('const', message)));
  }
  if (s.enum !== undefined) checks.push(enumCheck(s.enum));
  numberChecks(s, checks);
  stringChecks(s, checks);
  objectChecks(s, checks);
  arrayChecks(s, checks);
  combinators(s, checks);
  if (checks.length === 0) return pass;
  if (checks.length === 1) return checks[0];
  return (v) => {
    for (let i = 0; i < checks.length; i++) {
      const e = checks[i](v);
      if (e !== undefined) return e;
    }
    return undefined;
  };
}

function enumCheck(values) {
  const message = `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  if (values.every((x) => x === null || typeof x !== 'object')) {
    const set = new Set(values);
    return (v) => (set.has(v) ? undefined : fail('enum', message));
  }
  return (v) => (values.some((x) => equal(v, x)) ? undefined : fail('enum', message));
}

function numberChecks(s, checks) {
  const bound = (key, ok, op) => {
    if (s[key] === undefined) return;
    const n = s[key];
    const message = `must be ${op} ${n}`;
    checks.push((v) => (typeof v !== 'number' || ok(v, n) ? undefined : fail(key, message)));
  };
  bound('minimum', (v, n) => v >= n, '>=');
  bound('maximum', (v, n) => v <= n, '<=');
  bound('exclusiveMinimum', (v, n) => v > n, '>');
  bound('exclusiveMaximum', (v, n) => v < n, '<');
}

function stringChecks(s, checks) {
  if (s.minLength !== undefined) {
    const min = s.minLength;
    const message = `must NOT have fewer than ${min} characters`;
    // JSON Schema counts code points; a UTF-16 length of 2*min or more has at least min of them
    checks.push((v) =>
      typeof v !== 'string' || v.length >= 2 * min || (v.length >= min && codePoints(v) >= min)
        ? undefined
        : fail('minLength', message),
    );
  }
  if (s.maxLength !== undefined) {
    const max = s.maxLength;
    const message = `must NOT have more than ${max} characters`;
    checks.push((v) =>
      typeof v !== 'string' || v.length <= max || codePoints(v) <= max
        ? undefined
        : fail('maxLength', message),
    );
  }
  if (s.pattern !== undefined) {
    let re;
    try {
      re = new RegExp(s.pattern, 'u');
    } catch {
      re = new RegExp(s.pattern); // valid without the u flag only (checked when the pipeline loads)
    }
    const message = `must match pattern "${s.pattern}"`;
    checks.push((v) => (typeof v !== 'string' || re.test(v) ? undefined : fail('pattern', message)));
  }
}

function objectChecks(s, checks) {
  const required = s.required ?? [];
  const keys = Object.keys(s.properties ?? {});
  const fns = keys.map((k) => compileSchema(s.properties[k]));
  const ap = s.additionalProperties;
  if (required.length === 0 && keys.length === 0 && (ap === undefined || ap === true)) return;
  const known = new Set(keys);
  const extra = ap === undefined || ap === true || ap === false ? undefined : compileSchema(ap);
  checks.push((v) => {
    if (!isObject(v)) return undefined;
    for (let i = 0; i < required.length; i++) {
      if (!hasOwn.call(v, required[i])) return fail('required', 'is required', required[i]);
    }
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (!hasOwn.call(v, k)) continue;
      const e = fns[i](v[k]);
      if (e !== undefined) {
        e.segs.push(k);
        return e;
      }
    }
    if (ap === false) {
      for (const k in v) if (!known.has(k)) return fail('additionalProperties', 'is not allowed', k);
    } else if (extra !== undefined) {
      for (const k in v) {
        if (known.has(k)) continue;
        const e = extra(v[k]);
        if (e !== undefined) {
          e.segs.push(k);
          return e;
        }
      }
    }
    return undefined;
  });
}

function arrayChecks(s, checks) {
  const prefix = (s.prefixItems ?? []).map(compileSchema);
  const items = s.items === undefined ? undefined : compileSchema(s.items);
  const { minItems, maxItems } = s;
  if (prefix.length === 0 && items === undefined && minItems === undefined && maxItems === undefined) return;
  checks.push((v) => {
    if (!isArray(v)) return undefined;
    if (minItems !== undefined && v.length < minItems) {
      return fail('minItems', `must NOT have fewer than ${minItems} items`);
    }
    if (maxItems !== undefined && v.length > maxItems) {
      return fail('maxItems', `must NOT have more than ${maxItems} items`);
    }
    const n = Math.min(prefix.length, v.length);
    for (let i = 0; i < n; i++) {
      const e = prefix[i](v[i]);
      if (e !== undefined) {
        e.segs.push(i);
        return e;
      }
    }
    if (items !== undefined) {
      for (let i = prefix.length; i < v.length; i++) {
        const e = items(v[i]);
        if (e !== undefined) {
          e.segs.push(i);
          return e;
        }
      }
    }
    return undefined;
  });
}

// The error of the branch that got deepest into the value: usually the one the sender meant.
function closest(errors, keyword, message) {
  let best = errors[0];
  for (const e of errors) if (e.segs.length > best.segs.length) best = e;
  return best.segs.length > 0 ? best : fail(keyword, message);
}

function combinators(s, checks) {
  if (s.allOf !== undefined) {
    const fns = s.allOf.map(compileSchema);
    checks.push((v) => {
      for (let i = 0; i < fns.length; i++) {
        const e = fns[i](v);
        if (e !== undefined) return e;
      }
      return undefined;
    });
  }
  for (const keyword of ['anyOf', 'oneOf']) {
    if (s[keyword] === undefined) continue;
    const fns = s[keyword].map(compileSchema);
    const one = keyword === 'oneOf';
    checks.push((v) => {
      let matched = 0;
      let errors;
      for (let i = 0; i < fns.length; i++) {
        const e = fns[i](v);
        if (e === undefined) {
          if (!one) return undefined;
          matched++;
        } else {
          if (errors === undefined) errors = [];
          errors.push(e);
        }
      }
      if (matched === 1) return undefined;
      if (matched > 1) return fail('oneOf', 'must match exactly one schema in oneOf, but matches several');
      return closest(errors, keyword, `must match ${one ? 'exactly one schema' : 'a schema'} in ${keyword}`);
    });
  }
  if (s.not !== undefined) {
    const fn = compileSchema(s.not);
    checks.push((v) =>
      fn(v) === undefined ? fail('not', 'must NOT be valid against the schema in not') : undefined,
    );
  }
}
