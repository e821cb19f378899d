// The admin HTTP listener (node:http, no framework): wsbalancer's admin API plus /pipeline,
// /metrics and health probes, guarded against the abuse listed in FAULTS.md 48.
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AdminConfig } from '../config/model.ts';
import type { ControlBus } from '../control/bus.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { createTokenCheck } from './auth.ts';
import { createRequestHandler } from './handler.ts';
import { createHostGuard, isLoopbackName } from './host-guard.ts';
import { createRouter } from './router.ts';
import { backendRoutes } from './routes-backend.ts';
import { frontendRoutes } from './routes-frontend.ts';
import { type HealthProbe, opsRoutes } from './routes-ops.ts';
import { DEFAULT_RELOAD_TIMEOUT_MS, pipelineRoutes } from './routes-pipeline.ts';
import { sessionRoutes } from './routes-session.ts';

export type { HealthProbe } from './routes-ops.ts';

export interface AdminServerOptions {
  config: AdminConfig;
  bus: ControlBus;
  metrics: Metrics;
  health: HealthProbe;
  logger: Logger;
  /** POST /pipeline/reload answers 504 after this long; default 30 s. */
  reloadTimeoutMs?: number;
  /** close() waits this long for requests in flight, then drops their connections; default 5 s. */
  closeGraceMs?: number;
}

export interface AdminAddress {
  host: string;
  port: number;
}

export interface AdminServer {
  /** Binds the listener; rejects with an error naming the address when it cannot. */
  listen(): Promise<AdminAddress>;
  /** Stops accepting, closes idle keep-alive connections and waits for requests in flight. */
  close(): Promise<void>;
  /** The bound address, once listening. */
  address(): AdminAddress | undefined;
}

const DEFAULT_CLOSE_GRACE_MS = 5_000;

/** Creates the admin server; nothing is bound until listen(). */
export function createAdminServer(opts: AdminServerOptions): AdminServer {
  const { config, bus, metrics, health } = opts;
  const logger = opts.logger.child({ component: 'admin' });
  const match = createRouter([
    ...backendRoutes(bus),
    ...sessionRoutes(bus),
    ...frontendRoutes(bus),
    ...pipelineRoutes(bus, opts.reloadTimeoutMs ?? DEFAULT_RELOAD_TIMEOUT_MS),
    ...opsRoutes(metrics, health),
  ]);
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  let closing = false;

  const readTimeoutMs = Math.max(0, config.readTimeoutMs);
  const server: Server = createServer({
    maxHeaderSize: config.maxHeaderBytes > 0 ? config.maxHeaderBytes : undefined,
    // Go's ReadTimeout covers the whole request, headers and body: Node's requestTimeout.
    requestTimeout: readTimeoutMs,
    headersTimeout: readTimeoutMs,
    // Node checks those timeouts on this interval (default 30 s, too coarse for a 10 s limit).
    connectionsCheckingInterval: readTimeoutMs > 0 ? Math.min(1000, Math.max(50, readTimeoutMs / 4)) : 30_000,
  });
  server.on(
    'request',
    createRequestHandler({
      match,
      hostAllowed: (host) => hostAllowed(host),
      tokenMatches: createTokenCheck(config.token),
      logger,
      writeTimeoutMs: Math.max(0, config.writeTimeoutMs),
      closing: () => closing,
    }),
  );
  server.on('clientError', answerClientError);

  let bound: AdminAddress | undefined;
  const where = formatAddress(config.host, config.port);

  return {
    listen() {
      // The config loader refuses this already; checked again so an embedder cannot skip it.
      if (!config.token && !isLoopbackName(config.host.toLowerCase())) {
        return Promise.reject(
          new Error(
            `admin API refuses to listen on ${where} without a token: set server.admin.token ` +
              '(env SLUICE_ADMIN_TOKEN) or use a loopback address such as 127.0.0.1:8081',
          ),
        );
      }
      return new Promise<AdminAddress>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          const error = new Error(
            `admin API cannot listen on ${where} (server.admin.address): ${explainListenError(err)}`,
            { cause: err },
          );
          Object.assign(error, { code: err.code });
          reject(error);
        };
        const onListening = () => {
          server.off('error', onError);
          const info = server.address() as AddressInfo;
          bound = { host: info.address, port: info.port };
          hostAllowed = createHostGuard(config.host, info.port, config.allowedHosts);
          logger.info(
            { address: formatAddress(info.address, info.port), auth: Boolean(config.token) },
            'admin API listening',
          );
          resolve(bound);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ host: config.host === '' ? undefined : config.host, port: config.port });
      });
    },
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const timer = setTimeout(
          () => server.closeAllConnections(),
          opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
        );
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          bound = undefined;
          resolve();
        });
        server.closeIdleConnections();
      });
    },
    address() {
      return bound;
    },
  };
}

function formatAddress(host: string, port: number): string {
  if (host === '') return `:${port} (every interface)`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function explainListenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'the address is already in use (EADDRINUSE); stop the process using it or choose another port';
    case 'EACCES':
      return 'permission denied (EACCES); ports below 1024 need privileges, choose a higher port';
    case 'EADDRNOTAVAIL':
      return 'no local interface has this address (EADDRNOTAVAIL); use 127.0.0.1 or an address of this machine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${err.code}); use an IP address or a resolvable name`;
    default:
      return err.message;
  }
}

// Malformed HTTP, oversized headers and request timeouts: answer in JSON too, then close.
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  let status = 400;
  let reason = 'BadRequest';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    reason = 'HeadersTooLarge';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    reason = 'RequestTimeout';
  }
  const body = JSON.stringify({ result: 'failed', reason });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
