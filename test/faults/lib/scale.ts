// Load sizes for fault tests: scaled down so `npm run test:faults` stays within a few minutes on
// two cores; SLUICE_FAULTS_FULL=1 runs FAULTS.md's full numbers (9,000 sessions, 100k msg/s, …).
export const FULL = process.env.SLUICE_FAULTS_FULL === '1';

/** `full` with SLUICE_FAULTS_FULL=1, else `ci`. */
export function scaled(ci: number, full: number): number {
  return FULL ? full : ci;
}
