// `when:` on a pipeline entry: which sessions the valve runs for. All given conditions must hold.
import type { WhenClause } from '../config/model.ts';
import type { SessionInfo } from './types.ts';

export type WhenMatcher = (info: SessionInfo) => boolean;

/** `*` matches within a path segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

function valueMatcher(expected: string): (v: string | undefined) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/.exec(expected);
  if (m) {
    const re = new RegExp(m[1], m[2]);
    return (v) => v !== undefined && re.test(v);
  }
  return (v) => v === expected;
}

/** Compiles a `when:` clause (undefined: every session). */
export function compileWhen(when: WhenClause | undefined): WhenMatcher {
  if (when === undefined) return () => true;
  const tests: WhenMatcher[] = [];
  if (when.path !== undefined) {
    const re = globToRegExp(when.path);
    tests.push((info) => re.test(info.path));
  }
  if (when.subprotocol !== undefined) {
    const sub = when.subprotocol;
    tests.push((info) => info.subprotocol === sub);
  }
  for (const [name, expected] of Object.entries(when.headers ?? {})) {
    const key = name.toLowerCase();
    const match = valueMatcher(expected);
    tests.push((info) => match(info.headers[key]));
  }
  return (info) => tests.every((t) => t(info));
}
