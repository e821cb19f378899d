// One integration test's world: test backends, a real Sluice in front of them, the clients the test
// opens, and the leak check wsbalancer's suite ran after every subtest (no session left in
// /session/list, no connection left on any backend, no activeConnections left in /backend/list).
// Everything is closed in t.after, leak check first.
import type { TestContext } from 'node:test';
import type { ClientOptions } from 'ws';
import { AdminClient } from './admin.ts';
import { TestClient } from './client.ts';
import { type RunningSluice, startSluice, startSluiceText } from './sluice.ts';
import { startBackend, type TestBackend, type TestBackendOptions } from './test-backend.ts';
import { waitUntil } from './wait.ts';

type Raw = Record<string, unknown>;

export interface HarnessOptions {
  /** Backends to start: a count of plain echo backends, or one options object per backend. */
  backends?: number | TestBackendOptions[];
  /** Keys merged into the default config's `server` section. */
  server?: Raw;
  /** Keys merged into the default config's `upstream` section. */
  upstream?: Raw;
  /** Keys merged into every backend entry. */
  backend?: Raw;
  /** Backends that are not TestBackends (raw servers), put first in the default config. */
  extraUrls?: string[];
  /** Replaces the default config entirely. */
  config?: (backends: TestBackend[]) => Raw;
  /** Config file text (YAML) instead of an object; it must set both listener addresses. */
  yaml?: (backends: TestBackend[]) => string;
  /** Environment variables the config is loaded with (FE_TRUST_XFF, BE_ABNORMAL_CLOSE_CODES, …). */
  env?: NodeJS.ProcessEnv;
  /** Run the leak check in t.after (default true). */
  leakCheck?: boolean;
}

export interface Harness {
  sluice: RunningSluice;
  admin: AdminClient;
  backends: TestBackend[];
  /** Opens a tracked client on `path` and waits until it is open. */
  connect(path?: string, protocols?: string | string[], options?: ClientOptions): Promise<TestClient>;
  /** A tracked client that is not awaited (for refused upgrades or raw timing). */
  client(path?: string, protocols?: string | string[], options?: ClientOptions): TestClient;
  /** Tracks a backend started by the test itself: it is leak-checked and stopped. */
  track(backend: TestBackend): TestBackend;
  /** Waits (bounded) until no session, backend connection or activeConnections is left. */
  assertNoLeaks(ms?: number): Promise<void>;
}

/** The config wsbalancer's Go suite used (WSBALANCER.md §7), with short timeouts for tests. */
export function wsbalancerConfig(backends: { url: string }[], options: HarnessOptions = {}): Raw {
  return {
    server: {
      'block-headers': ['Client-Blocked-Header'],
      ...options.server,
    },
    upstream: {
      backends: backends.map((b) => ({
        url: b.url,
        'breaker-threshold': 100000,
        'pass-headers': ['X-Server-Sent-Header'],
        'handshake-timeout': '1s',
        ...options.backend,
      })),
      'failover-timeout': '1s',
      ...options.upstream,
    },
  };
}

/** Starts backends and a Sluice for one test; everything is leak-checked and closed in t.after. */
export async function harness(t: TestContext, options: HarnessOptions = {}): Promise<Harness> {
  const specs =
    typeof options.backends === 'number' || options.backends === undefined
      ? Array.from({ length: options.backends ?? 1 }, () => ({}))
      : options.backends;
  const backends: TestBackend[] = [];
  const clients: TestClient[] = [];
  let sluice: RunningSluice | undefined;

  const assertNoLeaks = async (ms = 2000): Promise<void> => {
    if (!sluice) return;
    const admin = new AdminClient(sluice.admin);
    await waitUntil(
      async () => {
        const sessions = await admin.sessions();
        if (sessions.length > 0) return false;
        for (const b of backends) if (b.connections.size > 0) return false;
        const list = await admin.backends();
        return list.every((b) => b.activeConnections === 0);
      },
      'no sessions, no backend connections and activeConnections 0 everywhere',
      ms,
      20,
    );
  };

  t.after(async () => {
    try {
      await Promise.all(clients.map((c) => c.close()));
      if (options.leakCheck !== false) await assertNoLeaks();
    } finally {
      await sluice?.stop();
      await Promise.all(backends.map((b) => b.stop()));
    }
  });

  for (const spec of specs) backends.push(await startBackend(spec));
  if (options.yaml) {
    sluice = await startSluiceText(options.yaml(backends), 'sluice.yaml', options.env);
  } else {
    const urls = [...(options.extraUrls ?? []).map((url) => ({ url })), ...backends];
    const raw = options.config ? options.config(backends) : wsbalancerConfig(urls, options);
    sluice = await startSluice(raw, options.env);
  }
  const running = sluice;

  const client = (path = '/', protocols?: string | string[], opts?: ClientOptions): TestClient => {
    const c = new TestClient(running.url + path, protocols, opts);
    clients.push(c);
    return c;
  };
  return {
    sluice: running,
    admin: new AdminClient(running.admin),
    backends,
    client,
    connect: (path, protocols, opts) => client(path, protocols, opts).open(),
    track(backend) {
      backends.push(backend);
      return backend;
    },
    assertNoLeaks,
  };
}

/** The backend a session is on, by `/session/list`'s backendId. */
export async function backendOfOnlySession(h: Harness): Promise<TestBackend> {
  const sessions = await h.admin.sessions();
  if (sessions.length !== 1) throw new Error(`expected 1 session, /session/list has ${sessions.length}`);
  const id = sessions[0].backendId;
  const list = await h.admin.backends();
  const url = list.find((b) => b.id === id)?.url;
  const backend = h.backends.find((b) => b.url === url);
  if (!backend) throw new Error(`session is on ${id}, which is not a harness backend`);
  return backend;
}
