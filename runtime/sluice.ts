// The composition root: wires config, backend pool, frontend, pipeline, admin and control bus.
import type { AddressInfo } from 'node:net';
import { type AdminServer, createAdminServer } from './admin/server.ts';
import { BackendPool } from './backend/pool.ts';
import type { ResolvedConfig } from './config/model.ts';
import type { ActionOutcome } from './control/bus.ts';
import { LocalControlBus, type PipelineControl } from './control/local-bus.ts';
import { Frontend } from './frontend/server.ts';
import { type Logger, silentLogger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';

export interface SluiceOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** The valve pipeline (runtime/sandbox); without one, sessions forward directly. */
  pipeline?: PipelineRuntime;
}

/** What the composition root needs from the valve runtime. */
export interface PipelineRuntime extends PipelineControl {
  attach(sluice: Sluice): void;
  stop(): Promise<void>;
}

export interface SluiceAddresses {
  frontend: AddressInfo;
  admin: { host: string; port: number };
}

export class Sluice {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly pool: BackendPool;
  readonly frontend: Frontend;
  readonly bus: LocalControlBus;
  readonly admin: AdminServer;
  private readonly pipeline: PipelineRuntime | undefined;
  private ready = false;
  private stopping: Promise<void> | undefined;

  constructor(config: ResolvedConfig, options: SluiceOptions = {}) {
    this.config = config;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? createMetrics({ instrumentation: config.server.enableInstrumentation });
    for (const b of config.upstream.backends) {
      if (b.tls?.insecureSkipVerify) {
        this.logger.warn(
          { backend: b.id },
          'tls.insecure-skip-verify: the backend certificate is NOT verified',
        );
      }
    }
    this.pool = new BackendPool(
      config.upstream.backends,
      config.upstream.selection,
      this.metrics,
      this.logger,
    );
    this.frontend = new Frontend({ config, pool: this.pool, metrics: this.metrics, logger: this.logger });
    this.pipeline = options.pipeline;
    const control: PipelineControl = this.pipeline ?? {
      status: () => ({ valves: [] }),
      reload: async (): Promise<ActionOutcome> => ({ kind: 'noop' }),
    };
    this.bus = new LocalControlBus(this.pool, this.frontend, control, this.logger, () =>
      [this.frontend.address()?.port, this.admin?.address()?.port].filter(
        (p): p is number => p !== undefined,
      ),
    );
    this.pipeline?.attach(this);
    this.admin = createAdminServer({
      config: config.server.admin,
      bus: this.bus,
      metrics: this.metrics,
      health: { live: () => true, ready: () => this.ready },
      logger: this.logger,
    });
  }

  /** Binds the frontend and admin listeners. Rejects (and binds nothing) when either fails. */
  async start(): Promise<SluiceAddresses> {
    const frontend = await this.frontend.listen();
    let admin: { host: string; port: number };
    try {
      admin = await this.admin.listen();
    } catch (err) {
      await this.frontend.close();
      throw err;
    }
    this.ready = true;
    return { frontend, admin };
  }

  /**
   * Graceful stop (SIGTERM): /readyz turns 503, new upgrades get 503, sessions are closed with
   * 1001 spread over `drain-window`; resolves by `shutdown-timeout` at the latest.
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.runShutdown();
    return this.stopping;
  }

  private async runShutdown(): Promise<void> {
    this.ready = false;
    const { drainWindowMs, shutdownTimeoutMs } = this.config.server;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, shutdownTimeoutMs - 200));
    });
    await Promise.race([this.frontend.drain(Math.min(drainWindowMs, shutdownTimeoutMs)), deadline]);
    clearTimeout(timer);
    await this.stop();
  }

  /** Immediate stop: closes every session with 1001 and both listeners. */
  async stop(): Promise<void> {
    this.ready = false;
    await Promise.all([this.frontend.close(), this.admin.close()]);
    await this.pipeline?.stop();
  }
}
