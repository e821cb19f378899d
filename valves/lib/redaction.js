// Masking JSON fields by path, shared by the redact and tap valves.
import { lastKey, parsePath, visit } from './json-path.js';

/** Parsed paths and a cheap pre-check for a list of path strings. */
export function compileRedaction(pathTexts, mask) {
  const paths = pathTexts.map(parsePath);
  const keys = paths.map(lastKey);
  return {
    paths,
    // quoted last keys: a text without any of them (and without escapes) cannot have a match
    needles: keys.includes(undefined) ? undefined : keys.map((k) => JSON.stringify(k)),
    mask,
  };
}

/** False when `text` certainly has no field a redaction would mask. */
export function mayMatch(text, r) {
  if (r.needles === undefined || text.includes('\\')) return true;
  for (let i = 0; i < r.needles.length; i++) if (text.includes(r.needles[i])) return true;
  return false;
}

/** Masks every match in `root` (in place); returns how many fields were masked. */
export function redactValue(root, r) {
  const mask = r.mask;
  const set = (p, k) => {
    p[k] = mask;
  };
  let n = 0;
  for (let i = 0; i < r.paths.length; i++) n += visit(root, r.paths[i], set);
  return n;
}
