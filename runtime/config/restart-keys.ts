// A hot reload cannot move a listener: these are the keys whose change needs a restart.
import type { ResolvedConfig } from './model.ts';

/** Keys that differ between two configs and cannot be applied without a restart. */
export function restartKeys(running: ResolvedConfig, next: ResolvedConfig): string[] {
  const keys: string[] = [];
  if (running.server.frontend.address !== next.server.frontend.address) keys.push('server.frontend.address');
  if (running.server.admin.address !== next.server.admin.address) keys.push('server.admin.address');
  return keys;
}
