// Cross-site request guard (FAULTS.md 48). A page on another site can make a browser send a
// "simple" POST (text/plain, form encodings) without a CORS preflight; such requests, and any
// request that says it is cross-site, are refused before they reach an action.
import type { IncomingMessage } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return contentType.split(';', 1)[0].trim().toLowerCase();
}

/** True when a state-changing request looks like it came from another site's page. */
export function isCrossSiteRequest(req: IncomingMessage, hostAllowed: (host: string) => boolean): boolean {
  if (SAFE_METHODS.has(req.method ?? '')) return false;
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const type = mediaType(req.headers['content-type']);
  if (type !== undefined && SIMPLE_TYPES.has(type)) return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // The admin listener is plain HTTP, so its own origin is http://<an accepted Host>.
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return true; // includes the opaque origin `null`
  }
  return url.protocol !== 'http:' || !hostAllowed(url.host);
}
