// `${VAR}` and `${VAR:-default}` in string values, from the environment; `$${` writes a literal `${`.
import { childPointer } from './pointer.ts';

export interface SubstitutionError {
  pointer: string;
  message: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replaces `${…}` in every string of `value` (in place for containers); returns the new value. */
export function substituteTree(
  value: unknown,
  env: NodeJS.ProcessEnv,
  pointer: string,
  errors: SubstitutionError[],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const result = substituteString(value, env);
    if (typeof result === 'object') {
      errors.push({ pointer, message: result.error });
      return value;
    }
    return result;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      value[i] = substituteTree(value[i], env, childPointer(pointer, i), errors);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      record[key] = substituteTree(record[key], env, childPointer(pointer, key), errors);
    }
  }
  return value;
}

/** One string with its `${…}` replaced, or the first error in it. */
export function substituteString(text: string, env: NodeJS.ProcessEnv): string | { error: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) break;
    if (start > 0 && text[start - 1] === '$') {
      out += text.slice(i, start - 1) + '${'; // `$${` escapes the substitution
      i = start + 2;
      continue;
    }
    out += text.slice(i, start);
    const end = text.indexOf('}', start);
    if (end < 0)
      return {
        error: `"${text}" has a \${ without its closing }: write \${NAME}, or $\${ for a literal \${`,
      };
    const inner = text.slice(start + 2, end);
    const sep = inner.indexOf(':-');
    const name = sep < 0 ? inner : inner.slice(0, sep);
    if (!NAME.test(name)) {
      return { error: `"\${${inner}}" is not a variable reference: write \${NAME} or \${NAME:-default}` };
    }
    const set = env[name];
    if (sep >= 0) out += set === undefined || set === '' ? inner.slice(sep + 2) : set;
    else if (set === undefined) {
      return {
        error: `environment variable ${name} is not set: set it, or give a default with \${${name}:-default}`,
      };
    } else out += set;
    i = end + 1;
  }
  return out + text.slice(i);
}
