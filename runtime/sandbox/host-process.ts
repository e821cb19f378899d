// The valve host child process as the proxy sees it: spawn, frames in and out over fd 3/4, and a
// watchdog. The watchdog fires when the host owes an answer (a batch, a control reply or a pong)
// and has sent nothing for `deadlineMs`; any frame from the host re-arms it.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FRAME_PING, FrameReader, emptyFrame } from './frames.ts';

// host-main.ts beside this .ts in a clone, host-main.js beside this .js in the build (dist/)
const HOST_MAIN = fileURLToPath(new URL(`./host-main${import.meta.url.slice(-3)}`, import.meta.url));
const PING = emptyFrame(FRAME_PING);

export interface HostProcessEvents {
  onFrame(type: number, body: Buffer): void;
  /** The process exited, or was killed for not answering (reason says which). Called once. */
  onGone(reason: string): void;
}

export class HostProcess {
  readonly child: ChildProcess;
  private readonly toHost: Writable;
  private readonly fromHost: Readable;
  private readonly events: HostProcessEvents;
  private gone = false;
  private owed = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly pinger: NodeJS.Timeout;
  private pingOwed = false;
  private lastHeard = 0;
  /** How long the host may stay silent while it owes an answer. */
  private readonly deadlineMs: () => number;

  constructor(events: HostProcessEvents, deadlineMs: () => number, pingEveryMs = 1000) {
    this.events = events;
    this.deadlineMs = deadlineMs;
    this.child = spawn(
      process.execPath,
      ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', HOST_MAIN],
      { stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] },
    );
    this.toHost = this.child.stdio[3] as Writable;
    this.fromHost = this.child.stdio[4] as Readable;
    const reader = new FrameReader((type, body) => events.onFrame(type, body));
    this.fromHost.on('data', (chunk: Buffer) => {
      this.pingOwed = false;
      this.lastHeard = Date.now();
      try {
        reader.push(chunk);
      } catch (e) {
        this.kill(`bad frame from the valve host: ${(e as Error).message}`);
      }
    });
    this.toHost.on('error', () => {});
    this.fromHost.on('error', () => {});
    this.child.on('exit', (code, signal) => this.fail(`exited (${signal ?? `code ${code}`})`));
    this.child.on('error', (e) => this.fail(`could not run: ${e.message}`));
    this.pinger = setInterval(() => this.ping(), pingEveryMs);
    this.pinger.unref();
    this.idle();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a frame; `expectsAnswer` arms the watchdog until answered(). */
  send(frame: Buffer, expectsAnswer: boolean): void {
    if (this.gone) return;
    if (expectsAnswer) {
      if (this.owed++ === 0) {
        this.lastHeard = Date.now();
        this.watchdog = setInterval(() => this.onDeadline(), 25);
        this.busy();
      }
    }
    this.toHost.write(frame);
  }

  /** One expected answer arrived. */
  answered(): void {
    if (this.owed > 0 && --this.owed === 0) {
      clearInterval(this.watchdog);
      this.idle();
    }
  }

  /** Kills the process (SIGKILL); onGone follows with `reason`. */
  kill(reason: string): void {
    if (this.gone) return;
    this.fail(`killed: ${reason}`);
    this.child.kill('SIGKILL');
  }

  /** Ends the process without reporting it gone. */
  stop(): void {
    this.gone = true;
    clearInterval(this.watchdog);
    clearInterval(this.pinger);
    this.child.ref(); // so that waiting for its exit keeps the event loop alive
    this.toHost.end();
    this.child.kill('SIGKILL');
  }

  private ping(): void {
    if (this.gone || this.owed > 0) return;
    if (this.pingOwed) {
      this.kill('did not answer a ping');
      return;
    }
    this.pingOwed = true;
    this.toHost.write(PING);
  }

  private onDeadline(): void {
    if (this.gone || this.owed === 0) return;
    const limit = this.deadlineMs();
    if (Date.now() - this.lastHeard > limit) this.kill(`did not answer within ${limit}ms`);
  }

  private fail(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    clearInterval(this.watchdog);
    clearInterval(this.pinger);
    this.events.onGone(reason);
  }

  // While an answer is owed the pipes keep the proxy's event loop alive; when idle they do not.
  private busy(): void {
    this.child.ref();
    (this.fromHost as unknown as { ref?: () => void }).ref?.();
  }

  private idle(): void {
    this.child.unref();
    (this.fromHost as unknown as { unref?: () => void }).unref?.();
    (this.toHost as unknown as { unref?: () => void }).unref?.();
  }
}
