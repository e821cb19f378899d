// A real Sluice built with createSluice (ports 0) in front of real echo backends, with trusted
// valves, a log captured as parsed JSON lines, and its admin API. Everything stops after the test.
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { type CreateSluiceOptions, createSluice, type Sluice } from '../../runtime/index.ts';
import { AdminClient } from '../helpers/admin.ts';
import { connect, type TestClient } from '../helpers/client.ts';
import { startBackend, type TestBackend } from '../helpers/test-backend.ts';

export interface TrustedSetup {
  sluice: Sluice;
  backends: TestBackend[];
  admin: AdminClient;
  /** Every log line Sluice wrote, parsed. */
  logs: Record<string, unknown>[];
  url: string;
  connect(path?: string): Promise<TestClient>;
}

export async function trustedSluice(
  t: TestContext,
  options: CreateSluiceOptions & { pipeline?: Record<string, unknown>[]; backends?: number },
): Promise<TrustedSetup> {
  const backends: TestBackend[] = [];
  for (let i = 0; i < (options.backends ?? 1); i++) backends.push(await startBackend());
  t.after(() => Promise.all(backends.map((b) => b.stop())));
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const sluice = await createSluice(
    {
      server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
      upstream: { backends: backends.map((b, i) => ({ id: `b${i}`, url: b.url })) },
      pipeline: options.pipeline ?? [],
    },
    { logger, ...options },
  );
  const addr = await sluice.start();
  t.after(() => sluice.stop());
  const url = `ws://127.0.0.1:${addr.frontend.port}`;
  const clients: TestClient[] = [];
  t.after(() => Promise.all(clients.map((c) => c.close())));
  return {
    sluice,
    backends,
    admin: new AdminClient(`http://${addr.admin.host}:${addr.admin.port}`),
    logs,
    url,
    async connect(path = '/') {
      const c = await connect(url + path);
      clients.push(c);
      return c;
    },
  };
}
