// Flow control for one session (DESIGN.md §3 "Backpressure and memory"): when the side we write
// to has more than `high-water-mark` bytes buffered, stop reading the side that feeds it; start
// again under `low-water-mark`. A peer that stays blocked past `stall-timeout` ends the session
// (1008). Nothing is queued without bound.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { SessionContext } from './session-context.ts';

interface FlowSession {
  readonly client: WebSocket;
  readonly link: WebSocket | undefined;
  readonly state: string;
  end(code: 'SLUICE_ERR_STALLED', reason: string): void;
}

function socketOf(ws: WebSocket): Socket | undefined {
  // ws keeps the net.Socket private; its 'drain' event is the cheapest resume signal.
  return (ws as unknown as { _socket?: Socket })._socket;
}

/** How often a paused side looks again when no 'drain' event can come. */
const DRAIN_POLL_MS = 5;

export class Backpressure {
  /** We stopped reading the client because the backend is not draining. */
  clientPaused = false;
  /** We stopped reading the backend because the client is not draining. */
  backendPaused = false;
  private readonly session: FlowSession;
  private readonly ctx: SessionContext;
  private stallTimer: NodeJS.Timeout | undefined;
  private watchedLink: Socket | undefined;
  // 'drain' listeners, made the first time a side is paused: most sessions never are, and an idle
  // session should not hold two closures for it.
  private onLinkDrain: (() => void) | undefined;
  private onClientDrain: (() => void) | undefined;
  private drainPoll: NodeJS.Timeout | undefined;

  constructor(session: FlowSession, ctx: SessionContext) {
    this.session = session;
    this.ctx = ctx;
  }

  afterBackendWrite(): void {
    const link = this.session.link;
    if (this.clientPaused || !link || link.bufferedAmount <= this.ctx.server.highWaterMark) return;
    const socket = socketOf(link);
    if (!socket) return;
    this.clientPaused = true;
    this.session.client.pause();
    this.watchedLink = socket;
    this.onLinkDrain ??= () => this.linkDrained();
    this.awaitDrain(socket, this.onLinkDrain);
    this.ctx.metrics.backpressurePauses.inc({ side: 'client' });
    this.armStall();
  }

  afterClientWrite(): void {
    const link = this.session.link;
    const client = this.session.client;
    if (this.backendPaused || !link || client.bufferedAmount <= this.ctx.server.highWaterMark) return;
    const socket = socketOf(client);
    if (!socket) return;
    this.backendPaused = true;
    link.pause();
    this.onClientDrain ??= () => this.clientDrained();
    this.awaitDrain(socket, this.onClientDrain);
    this.ctx.metrics.backpressurePauses.inc({ side: 'backend' });
    this.armStall();
  }

  private linkDrained(): void {
    const link = this.session.link;
    if (!this.clientPaused || !link) return;
    if (link.bufferedAmount > this.ctx.server.lowWaterMark) {
      if (this.onLinkDrain && this.watchedLink) this.awaitDrain(this.watchedLink, this.onLinkDrain);
      return;
    }
    this.clientPaused = false;
    this.watchedLink = undefined;
    if (this.session.state === 'open') this.session.client.resume();
    this.disarmStallIfIdle();
  }

  private clientDrained(): void {
    if (!this.backendPaused) return;
    const client = this.session.client;
    const socket = socketOf(client);
    if (client.bufferedAmount > this.ctx.server.lowWaterMark) {
      if (this.onClientDrain && socket) this.awaitDrain(socket, this.onClientDrain);
      return;
    }
    this.backendPaused = false;
    this.session.link?.resume();
    this.disarmStallIfIdle();
  }

  /**
   * Calls `then` when `socket` may have drained. Node emits 'drain' only after a write returned
   * false (more than the socket's own 64 KiB buffered); below that — a high-water-mark set lower,
   * or one tick's corked batch — nothing would ever come, so it looks again shortly instead.
   */
  private awaitDrain(socket: Socket, then: () => void): void {
    if (socket.writableNeedDrain) socket.once('drain', then);
    else {
      if (this.drainPoll) clearTimeout(this.drainPoll);
      this.drainPoll = setTimeout(drainPollFired, DRAIN_POLL_MS, this);
    }
  }

  /** @internal */
  pollFired(): void {
    this.drainPoll = undefined;
    if (this.clientPaused) this.linkDrained();
    if (this.backendPaused) this.clientDrained();
  }

  /** The backend link is gone (failover or close): its pause state goes with it. */
  linkGone(): void {
    if (this.drainPoll) clearTimeout(this.drainPoll);
    this.drainPoll = undefined;
    if (this.onLinkDrain) this.watchedLink?.off('drain', this.onLinkDrain);
    this.watchedLink = undefined;
    this.clientPaused = false;
    this.backendPaused = false;
    this.disarmStallIfIdle();
  }

  /** Is this side's ping deadline suspended? A paused socket cannot read pongs. */
  get anyPaused(): boolean {
    return this.clientPaused || this.backendPaused;
  }

  dispose(): void {
    this.linkGone();
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private armStall(): void {
    if (this.stallTimer || this.ctx.server.stallTimeoutMs <= 0) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (!this.anyPaused) return;
      this.ctx.metrics.queueOverflows.inc({ queue: 'stalled' });
      this.session.end('SLUICE_ERR_STALLED', 'stalled');
    }, this.ctx.server.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private disarmStallIfIdle(): void {
    if (this.anyPaused || !this.stallTimer) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}

function drainPollFired(bp: Backpressure): void {
  bp.pollFired();
}
