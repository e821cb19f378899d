// JSON paths for the built-in valves, parsed once and cached:
//   user.password    a key inside a key          [3].idTag       an array index, then a key
//   items[*].card    every element of an array   *               every property or element
//   **.idTag         `idTag` at any depth (zero or more levels down)
// A key is any run of characters other than `.`, `[` and `]`.

/** Every property of an object or element of an array. */
export const WILD = Object.freeze({ wild: 'one level' });
/** Zero or more levels down. */
export const DEEP = Object.freeze({ wild: 'any depth' });

/** JSON Schema `pattern` of a path, for valves' `options` (checked when the pipeline loads). */
export const PATH_PATTERN =
  '^(?!(?:.*\\.)?\\*\\*$)(?!(?:.*\\.)?\\*\\*\\.\\*\\*(?:[.[]|$))(?:[^.\\[\\]]+|\\[(?:\\d+|\\*)\\])(?:\\.[^.\\[\\]]+|\\[(?:\\d+|\\*)\\])*$';

/** The same without wildcards (`*`, `**`, `[*]`), for paths that must name one place. */
export const CONCRETE_PATH_PATTERN =
  '^(?:(?!\\*\\*?(?:[.[]|$))[^.\\[\\]]+|\\[\\d+\\])(?:\\.(?!\\*\\*?(?:[.[]|$))[^.\\[\\]]+|\\[\\d+\\])*$';

const hasOwn = Object.prototype.hasOwnProperty;
const isArray = Array.isArray;
const parsed = new Map();

/** `path` as segments: strings (keys), numbers (indices), WILD and DEEP. Throws on bad syntax. */
export function parsePath(path) {
  let segs = parsed.get(path);
  if (segs !== undefined) return segs;
  segs = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '[') {
      const end = path.indexOf(']', i);
      const inner = end < 0 ? '' : path.slice(i + 1, end);
      if (inner === '*') segs.push(WILD);
      else if (/^\d+$/.test(inner)) segs.push(Number(inner));
      else throw new SyntaxError(`invalid JSON path "${path}": use [0] or [*] at ${i}`);
      i = end + 1;
    } else {
      if (segs.length > 0) {
        if (path[i] !== '.') throw new SyntaxError(`invalid JSON path "${path}": expected "." at ${i}`);
        i++;
      }
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[' && path[j] !== ']') j++;
      if (j === i) throw new SyntaxError(`invalid JSON path "${path}": empty key at ${i}`);
      const key = path.slice(i, j);
      segs.push(key === '*' ? WILD : key === '**' ? DEEP : key);
      i = j;
    }
  }
  if (segs.length === 0) throw new SyntaxError('invalid JSON path "": it is empty');
  if (segs[segs.length - 1] === DEEP)
    throw new SyntaxError(`invalid JSON path "${path}": ** must be followed by a key`);
  for (let k = 1; k < segs.length; k++) {
    if (segs[k] === DEEP && segs[k - 1] === DEEP)
      throw new SyntaxError(`invalid JSON path "${path}": ** twice in a row`);
  }
  parsed.set(path, segs);
  return segs;
}

/** The last plain key of a path (a cheap "can this text match at all" test), or undefined. */
export function lastKey(segs) {
  const last = segs[segs.length - 1];
  return typeof last === 'string' ? last : undefined;
}

/**
 * Calls fn(parent, key) for every place `segs` matches in `root` (only places that exist).
 * Returns the number of matches.
 */
export function visit(root, segs, fn) {
  const last = segs[segs.length - 1];
  let n = 0;
  nodes(root, segs, 0, segs.length - 1, (c) => {
    n += at(c, last, fn);
  });
  return n;
}

// Calls fn(node) for every node that segs[i..end) leads to from `node`.
function nodes(node, segs, i, end, fn) {
  if (i === end) {
    fn(node);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const seg = segs[i];
  if (seg === DEEP || seg === WILD) {
    if (seg === DEEP) nodes(node, segs, i + 1, end, fn);
    const next = seg === DEEP ? i : i + 1;
    if (isArray(node)) for (let k = 0; k < node.length; k++) nodes(node[k], segs, next, end, fn);
    else for (const k of Object.keys(node)) nodes(node[k], segs, next, end, fn);
  } else if (has(node, seg)) nodes(node[seg], segs, i + 1, end, fn);
}

function has(node, seg) {
  return typeof seg === 'number'
    ? isArray(node) && seg < node.length
    : !isArray(node) && hasOwn.call(node, seg);
}

// fn(container, key) for the last segment (a key, an index or WILD) in one container.
function at(c, seg, fn) {
  if (c === null || typeof c !== 'object') return 0;
  if (seg === WILD) {
    const keys = isArray(c) ? c.keys() : Object.keys(c);
    let n = 0;
    for (const k of keys) {
      fn(c, k);
      n++;
    }
    return n;
  }
  if (!has(c, seg)) return 0;
  fn(c, seg);
  return 1;
}

function concrete(segs, end) {
  for (let i = 0; i < end; i++) if (segs[i] === WILD || segs[i] === DEEP) return false;
  return true;
}

/** The value at the first match of `segs` in `root`, or undefined. */
export function getPath(root, segs) {
  if (concrete(segs, segs.length)) {
    let node = root;
    for (let i = 0; i < segs.length; i++) {
      if (node === null || typeof node !== 'object' || !has(node, segs[i])) return undefined;
      node = node[segs[i]];
    }
    return node;
  }
  let found;
  let done = false;
  visit(root, segs, (p, k) => {
    if (!done) found = p[k];
    done = true;
  });
  return found;
}

/**
 * Sets the value at `segs`. Missing objects and arrays along a path without wildcards are
 * created; with wildcards, only places whose parent exists are set. Returns how many were set.
 */
export function setPath(root, segs, value) {
  const end = segs.length - 1;
  const last = segs[end];
  if (!concrete(segs, end)) {
    let n = 0;
    nodes(root, segs, 0, end, (c) => {
      n += setAt(c, last, value);
    });
    return n;
  }
  let node = root;
  for (let i = 0; i < end; i++) {
    if (node === null || typeof node !== 'object') return 0;
    const seg = segs[i];
    if (typeof seg === 'number' ? !isArray(node) || seg > node.length : isArray(node)) return 0;
    let child = node[seg];
    if (child === null || typeof child !== 'object') {
      child = typeof segs[i + 1] === 'number' ? [] : {};
      node[seg] = child;
    }
    node = child;
  }
  return setAt(node, last, value);
}

function setAt(c, seg, value) {
  if (c === null || typeof c !== 'object') return 0;
  if (seg === WILD) return at(c, WILD, (p, k) => (p[k] = value));
  if (typeof seg === 'number' ? !isArray(c) || seg > c.length : isArray(c)) return 0;
  c[seg] = value;
  return 1;
}

/** Deletes every match of `segs` (array elements are spliced out). Returns how many. */
export function deletePath(root, segs) {
  const found = [];
  // `**` can reach one place along two routes: delete it once
  const seen = segs.includes(DEEP) ? new Map() : undefined;
  visit(root, segs, (p, k) => {
    if (seen !== undefined) {
      let keys = seen.get(p);
      if (keys === undefined) {
        keys = new Set();
        seen.set(p, keys);
      }
      if (keys.has(k)) return;
      keys.add(k);
    }
    found.push(p, k);
  });
  // backwards, so that splicing an array element does not shift the ones still to delete
  for (let j = found.length - 2; j >= 0; j -= 2) {
    const p = found[j];
    if (isArray(p)) p.splice(found[j + 1], 1);
    else delete p[found[j + 1]];
  }
  return found.length / 2;
}

/** Moves the value at `from` to `to` (both without wildcards). Returns true when it was there. */
export function movePath(root, from, to) {
  let parent;
  let key;
  visit(root, from, (p, k) => {
    parent = p;
    key = k;
  });
  if (parent === undefined) return false;
  const value = parent[key];
  if (isArray(parent)) parent.splice(key, 1);
  else delete parent[key];
  setPath(root, to, value);
  return true;
}

/** The JSON object or array in `text`, or undefined when it is not one (no exception escapes). */
export function parseJsonContainer(text) {
  let i = 0;
  let c = text.charCodeAt(0);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
  if (c !== 123 && c !== 91) return undefined; // { or [
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A path as text, from segments collected innermost first (for error messages). */
export function formatPath(reversedSegs, prefix = '') {
  let s = prefix;
  for (let k = reversedSegs.length - 1; k >= 0; k--) {
    const seg = reversedSegs[k];
    s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  }
  return s;
}
