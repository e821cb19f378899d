// Path matching for the admin API. Routes match the raw (still percent-encoded) path without its
// query string; `{id}` routes take everything after their prefix, which is then URL-decoded
// (wsbalancer matched the raw RequestURI, so the query became part of the id, WSBALANCER.md §3).
import type { Reply } from './respond.ts';

/** `read`: GET and HEAD (lists, config, status); `action`: POST only (wsbalancer's actions). */
export type Access = 'read' | 'action';

export interface RouteInput {
  /** The decoded id for `{id}` routes, '' otherwise. */
  id: string;
  /** The parsed JSON body for routes with `jsonBody`, undefined otherwise. */
  body: unknown;
}

export interface Route {
  /** The exact path, or for `withId` routes the prefix ending in `/`. */
  path: string;
  withId: boolean;
  access: Access;
  /** The body is a JSON document the handler needs (POST /backend/add). */
  jsonBody?: boolean;
  /** Health probes: no token and no Host check, so orchestrators can call them. */
  open?: boolean;
  handle(input: RouteInput): Reply | Promise<Reply>;
}

export interface RouteMatch {
  route: Route;
  /** The raw id (still percent-encoded); '' for routes without an id. */
  rawId: string;
}

/** Builds the matcher for a route table. */
export function createRouter(routes: readonly Route[]): (path: string) => RouteMatch | undefined {
  const exact = new Map<string, Route>();
  const prefixed: Route[] = [];
  for (const route of routes) {
    if (route.withId) prefixed.push(route);
    else exact.set(route.path, route);
  }
  return function matchRoute(path) {
    const route = exact.get(path);
    if (route) return { route, rawId: '' };
    for (const candidate of prefixed) {
      if (path.startsWith(candidate.path))
        return { route: candidate, rawId: path.slice(candidate.path.length) };
    }
    return undefined;
  };
}

/** The path of a request target without query or fragment; undefined for `*` and junk. */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return undefined;
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end < 0 ? target : target.slice(0, end);
  }
  // absolute-form (`GET http://host/path`), as proxies send it
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

/** URL-decodes an id; undefined when it holds a malformed escape such as `%zz`. */
export function decodeId(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
