// Bearer-token check for the admin API (FAULTS.md 48). The comparison runs on fixed-length
// digests so neither the token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Returns a check for the Authorization header; with no token configured every request passes. */
export function createTokenCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined || token === '') return () => true;
  const expected = digest(token);
  return function tokenMatches(authorization) {
    const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    // Always hash and compare, even when the header is missing, to keep timing uniform.
    const actual = digest(presented ?? '');
    return timingSafeEqual(actual, expected) && presented !== undefined;
  };
}
