// Starts a real admin server on 127.0.0.1:0 with a FakeBus, and speaks plain HTTP to it.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pino } from 'pino';
import { createAdminServer, type AdminServer } from '../../../runtime/admin/server.ts';
import type { AdminConfig } from '../../../runtime/config/model.ts';
import { createMetrics, type Metrics } from '../../../runtime/metrics.ts';
import { FakeBus } from './fake-bus.ts';

export interface AdminHarness {
  server: AdminServer;
  port: number;
  bus: FakeBus;
  metrics: Metrics;
  health: { isLive: boolean; isReady: boolean };
  /** Log lines the server wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  send(options: SendOptions): Promise<HttpReply>;
  close(): Promise<void>;
}

export interface SendOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Override the port the request goes to. */
  port?: number;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** The admin config the tests start from. */
export function adminConfig(overrides: Partial<AdminConfig> = {}): AdminConfig {
  return {
    address: '127.0.0.1:0',
    host: '127.0.0.1',
    port: 0,
    readTimeoutMs: 10_000,
    writeTimeoutMs: 10_000,
    maxHeaderBytes: 524_288,
    token: undefined,
    allowedHosts: [],
    ...overrides,
  };
}

/** Starts an admin server; call close() (t.after / after) to stop it. */
export async function startAdmin(
  overrides: Partial<AdminConfig> = {},
  extra: { reloadTimeoutMs?: number; closeGraceMs?: number } = {},
): Promise<AdminHarness> {
  const bus = new FakeBus();
  const metrics = createMetrics({ instrumentation: true, defaultMetrics: false });
  const health = { isLive: true, isReady: true };
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        rawLogs.push(line);
        logs.push(JSON.parse(line));
      },
    },
  );
  const server = createAdminServer({
    config: adminConfig(overrides),
    bus,
    metrics,
    health: { live: () => health.isLive, ready: () => health.isReady },
    logger,
    ...extra,
  });
  const { port } = await server.listen();
  return {
    server,
    port,
    bus,
    metrics,
    health,
    logs,
    rawLogs,
    send: (options) => send(options.port ?? port, options),
    close: () => server.close(),
  };
}

/** One HTTP request on a fresh connection; rejects after 5 s so no test can hang. */
export function send(port: number, options: SendOptions): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${options.path} in 5 s`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST shorthand. */
export function post(h: AdminHarness, path: string, body?: string, headers?: Record<string, string>) {
  return h.send({ method: 'POST', path, body, headers });
}
