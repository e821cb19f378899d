// A real valve host for local tests: the same ValveHost `sluice run` uses, driven by a virtual
// clock, with a logger that keeps the valves' log lines (ctx.log and valve errors) for assertions.
import { pino } from 'pino';
import type { PipelineEntryConfig } from '../config/model.ts';
import { createMetrics } from '../metrics.ts';
import { VirtualClock } from '../sandbox/clock.ts';
import type { BuildResult } from '../sandbox/types.ts';
import { ValveHost } from '../sandbox/valve-host.ts';

/** A line a valve wrote with ctx.log, or a valve error the proxy logged. */
export interface ValveLogLine {
  level: 'info' | 'warn' | 'error';
  /** The entry's `valve:` as written. */
  valve: string;
  message: string;
}

/**
 * The virtual clock of a test host: time starts at 0 for each session (restart()), moves only
 * when advanced, and is what ctx.now() returns and ctx.delay() is measured against.
 */
export class TestClock extends VirtualClock {
  private origin = 0;
  override now(): number {
    return super.now() - this.origin;
  }
  /** Makes now() 0 again. */
  restart(): void {
    this.origin = super.now();
  }
}

const LEVEL_NAMES: Record<number, ValveLogLine['level']> = {
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'error',
};

/** A ValveHost with a TestClock and captured valve logs; build as many pipelines as needed. */
export class TestHost {
  readonly host: ValveHost;
  readonly clock: TestClock;
  private readonly lines: ValveLogLine[];

  private constructor(host: ValveHost, clock: TestClock, lines: ValveLogLine[]) {
    this.host = host;
    this.clock = clock;
    this.lines = lines;
  }

  /** Starts the valve host process. */
  static async start(): Promise<TestHost> {
    const clock = new TestClock();
    const lines: ValveLogLine[] = [];
    const sink = {
      write(line: string): void {
        const rec = JSON.parse(line) as { level: number; valve?: string; msg?: string };
        if (typeof rec.valve !== 'string') return;
        lines.push({ level: LEVEL_NAMES[rec.level] ?? 'info', valve: rec.valve, message: rec.msg ?? '' });
      },
    };
    const logger = pino({ level: 'info', base: undefined, timestamp: false }, sink);
    const metrics = createMetrics({ instrumentation: false, defaultMetrics: false });
    const host = await ValveHost.start({ logger, metrics, clock });
    return new TestHost(host, clock, lines);
  }

  /** Compiles `entries` into a new pipeline version (fresh sandboxes, fresh module state). */
  build(entries: PipelineEntryConfig[]): Promise<BuildResult> {
    return this.host.build(entries);
  }

  /** The valve log lines written since the last call. */
  takeLogs(): ValveLogLine[] {
    return this.lines.splice(0);
  }

  async stop(): Promise<void> {
    await this.host.stop();
  }
}
