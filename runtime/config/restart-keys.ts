// A hot reload cannot move a listener or change what its sockets were built with: these are the
// keys whose change needs a restart. A reload that changes any of them is rejected whole.
import type { ResolvedConfig } from './model.ts';

/** Keys that differ between two configs and cannot be applied without a restart. */
export function restartKeys(running: ResolvedConfig, next: ResolvedConfig): string[] {
  const a = running.server;
  const b = next.server;
  const pairs: [string, unknown, unknown][] = [
    ['server.frontend.address', a.frontend.address, b.frontend.address],
    ['server.frontend.read-timeout', a.frontend.readTimeoutMs, b.frontend.readTimeoutMs],
    ['server.frontend.max-header-bytes', a.frontend.maxHeaderBytes, b.frontend.maxHeaderBytes],
    ['server.admin.address', a.admin.address, b.admin.address],
    ['server.admin.token', a.admin.token, b.admin.token],
    ['server.admin.allowed-hosts', a.admin.allowedHosts.join(','), b.admin.allowedHosts.join(',')],
    ['server.max-message-size', a.maxMessageSize, b.maxMessageSize],
    ['server.compression', a.compression, b.compression],
    ['server.enable-instrumentation', a.enableInstrumentation, b.enableInstrumentation],
  ];
  return pairs.filter(([, x, y]) => x !== y).map(([key]) => key);
}
