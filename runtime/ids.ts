// Identifiers as wsbalancer forms them, and session ids that are never reused.
import { randomBytes } from 'node:crypto';

/** wsbalancer's NormalizeForID: every character outside [0-9a-zA-Z] becomes `-`. */
export function normalizeForId(value: string): string {
  return value.replace(/[^0-9a-zA-Z]/g, '-');
}

const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** An opaque session id, unique for the life of the process (and across restarts, by its prefix). */
export function newSessionId(): string {
  counter++;
  return `${prefix}${counter.toString(16).padStart(8, '0')}`;
}
