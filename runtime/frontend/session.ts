// One client session: client ⇄ pipeline ⇄ backend, and the failover that carries it from a lost
// backend to the next without the client noticing. Message flow, in order:
//   client frame → onClientMessage → pipeline (or straight on) → toBackend → unsent queue → link
//   backend frame → onBackendMessage → pipeline (or straight on) → toClient → client socket
// A client → backend message stays in the unsent queue until ws's send callback fires for it on
// the live backend socket; whatever is still there when the backend is lost is replayed on the
// next one (DESIGN.md §3 "Failover without loss").
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Backend } from '../backend/backend.ts';
import type { DialRequest } from '../backend/dial.ts';
import { type FailoverDial, failoverDial } from '../backend/failover-dialer.ts';
import type { PoolDialResult } from '../backend/pool.ts';
import type { SessionRecorder } from '../capture/recorder.ts';
import { clampCloseReason, ERRORS, type ErrorCode, isSendableCloseCode } from '../errors.ts';
import { UNCHANGED } from '../pipeline/outcome.ts';
import type {
  Direction,
  PipelineSession,
  SessionInfo,
  SessionPipeline,
  ValveOutcome,
  WireMessage,
} from '../pipeline/types.ts';
import { BackendLedger } from './backend-ledger.ts';
import { Backpressure } from './backpressure.ts';
import { MessageQueue } from './message-queue.ts';
import type { SessionContext } from './session-context.ts';

const kSession = Symbol('sluice.session');
type Tagged = WebSocket & { [kSession]?: Session };

export type SessionState = 'open' | 'failing-over' | 'closing' | 'closed';

export class Session implements PipelineSession {
  readonly id: string;
  readonly info: SessionInfo;
  readonly uri: string;
  readonly client: WebSocket;
  backend: Backend;
  link: WebSocket | undefined;
  state: SessionState = 'open';
  reconnects = 0;
  msgsReceived = 0;
  msgsSent = 0;
  /** Swapped to a new version on hot reload (PipelineVersion.adopt). */
  pipeline: SessionPipeline;
  /** Set while the session is recorded (`record:`, POST /session/record/{id}): what goes out is captured. */
  recorder: SessionRecorder | undefined = undefined;
  private readonly ctx: SessionContext;
  private readonly request: DialRequest;
  private readonly unsent = new MessageQueue();
  private linkOnSent: ((err?: Error) => void) | undefined;
  /** Batches the link's writes and tells which reached the kernel if it dies (undefined: TLS, deflate). */
  private ledger: BackendLedger | undefined;
  private failover: FailoverDial | undefined;
  private failoverStarted = 0;
  /** The unsent queue when the link was lost (the failover queue bound counts growth past it). */
  private heldLength = 0;
  private heldBytes = 0;
  /** When the recent failovers started (for max-reconnects); allocated at the first failover. */
  private failoverTimes: number[] | undefined;
  /** Admin failover in progress: the old link is being closed gracefully before the dial. */
  private draining = false;
  private clientCloseCode: number | undefined;
  /** The client socket while corked for this tick's writes (see corkClient). */
  clientCorked: Socket | undefined;
  /** Messages pushed into the pipeline whose result has not come back, per direction. */
  private pendingFromClient = 0;
  private pendingFromBackend = 0;
  /** Messages waiting behind ones still in the valve host after a reload to no valves. */
  private behindFromClient: WireMessage[] | undefined;
  private behindFromBackend: WireMessage[] | undefined;
  /** Label for sluice_sessions_closed_total{reason}. */
  closeReason = 'normal';
  private readonly backpressure: Backpressure;
  /** Reading is paused on either side: ping deadlines are suspended (pongs cannot be read). */
  get flowPaused(): boolean {
    return this.backpressure.anyPaused;
  }
  /** ctx.delay(): outcomes held per direction; allocated when a valve first delays one. */
  private delayedFromClient: DelayLine | undefined;
  private delayedFromBackend: DelayLine | undefined;
  // Heartbeat bookkeeping (runtime/frontend/heartbeat.ts reads and writes these).
  clientPingAt = 0;
  clientAwaitingPong = false;
  linkPingAt = 0;
  linkAwaitingPong = false;

  constructor(
    ctx: SessionContext,
    id: string,
    client: WebSocket,
    dialed: Extract<PoolDialResult, { ok: true }>,
    request: DialRequest,
    info: SessionInfo,
    uri: string,
    pipeline: SessionPipeline,
  ) {
    this.ctx = ctx;
    this.id = id;
    this.client = client;
    this.backend = dialed.backend;
    // Failover dials must get the same subprotocol (the request is this session's own object).
    request.requireProtocol = dialed.protocol;
    this.request = request;
    this.info = info;
    this.uri = uri;
    this.pipeline = pipeline;
    this.backpressure = new Backpressure(this, ctx);
    (client as Tagged)[kSession] = this;
    client.on('message', clientOnMessage);
    client.on('close', clientOnClose);
    client.on('error', clientOnError);
    client.on('pong', clientOnPong);
    this.clientPingAt = performance.now();
    this.attach(dialed.ws);
    ctx.metrics.sessionsOpened.inc();
    ctx.metrics.sessionsActive.inc();
    if (ctx.metrics.instrumentation) {
      ctx.metrics.wsbNewSession.inc({ backend: this.backend.id, frontend: ctx.frontendId });
      ctx.metrics.wsbActiveSessions.inc({ backend: this.backend.id, frontend: ctx.frontendId });
    }
    if (!pipeline.empty) pipeline.open(this, info);
  }

  // ── client → backend ────────────────────────────────────────────────────────────────────

  onClientMessage(data: Buffer, binary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.msgsReceived++;
    this.ctx.hot.clientMessages.inc();
    this.ctx.hot.clientBytes.inc(data.length);
    if (this.ctx.metrics.instrumentation) {
      this.ctx.metrics.wsbMessageSize.observe(
        { backend: this.backend.id, direction: 'f2b', frontend: this.ctx.frontendId },
        data.length,
      );
    }
    // A direction no valve handles skips the valve host — unless earlier messages of it are still
    // there (after a hot reload changed the hooks), so that none overtakes another.
    if (this.pendingFromClient === 0 && !this.pipeline.handlesFromClient) this.toBackend({ data, binary });
    else if (this.pipeline.empty) {
      // reloaded to no valves while earlier messages are still in the valve host: wait for them
      this.pendingFromClient++;
      this.behindFromClient ??= [];
      this.behindFromClient.push({ data, binary });
    } else {
      this.pendingFromClient++;
      this.pipeline.push(this, 'fromClient', { data, binary });
    }
  }

  /** Queues a message for the backend and writes it now if a live link is there. */
  toBackend(msg: WireMessage): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.recorder !== undefined) this.recorder.write('client', msg);
    if (this.state === 'open' && !this.draining && this.link) {
      this.unsent.push(msg, this.ledger?.frameEnd(msg.data.length));
      this.link.send(msg.data, { binary: msg.binary }, this.linkOnSent);
      this.backpressure.afterBackendWrite();
      return;
    }
    this.unsent.push(msg);
    if (
      // Only what arrives while no link takes it counts: messages already written but not yet
      // confirmed are bounded by backpressure (high-water mark), not by this queue.
      this.unsent.length - this.heldLength > this.ctx.upstream.queueMaxMessages ||
      this.unsent.bytes - this.heldBytes > this.ctx.upstream.queueMaxBytes
    ) {
      this.ctx.metrics.queueOverflows.inc({ queue: 'failover' });
      this.end('SLUICE_ERR_QUEUE_OVERFLOW', 'overflow');
    }
  }

  // ── backend → client ────────────────────────────────────────────────────────────────────

  onBackendMessage(data: Buffer, binary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.ctx.hot.backendMessages.inc();
    this.ctx.hot.backendBytes.inc(data.length);
    if (this.ctx.metrics.instrumentation) {
      this.ctx.metrics.wsbMessageSize.observe(
        { backend: this.backend.id, direction: 'b2f', frontend: this.ctx.frontendId },
        data.length,
      );
    }
    if (this.pendingFromBackend === 0 && !this.pipeline.handlesFromBackend) this.toClient({ data, binary });
    else if (this.pipeline.empty) {
      this.pendingFromBackend++;
      this.behindFromBackend ??= [];
      this.behindFromBackend.push({ data, binary });
    } else {
      this.pendingFromBackend++;
      this.pipeline.push(this, 'fromBackend', { data, binary });
    }
  }

  toClient(msg: WireMessage): void {
    if (this.state === 'closed') return;
    if (this.recorder !== undefined) this.recorder.write('backend', msg);
    this.msgsSent++;
    if (!this.clientCorked) this.corkClient();
    this.client.send(msg.data, { binary: msg.binary });
    this.backpressure.afterClientWrite();
  }

  // ── write batching ──────────────────────────────────────────────────────────────────────
  // ws emits every frame of one socket read synchronously; corking the client socket until the
  // end of the tick sends all of them in one writev instead of one syscall per message (write
  // syscalls were ~60 % of the proxy's CPU). Toward the backend the same is done by the
  // BackendLedger (backend-ledger.ts), which also knows which messages of a batch the kernel
  // took when the backend dies, so a failover replays exactly the others.

  private corkClient(): void {
    const socket = socketOf(this.client);
    if (!socket) return;
    socket.cork();
    this.clientCorked = socket;
    process.nextTick(uncorkClient, this);
  }

  // ── pipeline results (runtime/pipeline/types.ts) ────────────────────────────────────────

  onPipelineResult(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    if (direction === 'fromClient') this.pendingFromClient--;
    else this.pendingFromBackend--;
    if (this.state === 'closed') return;
    const line = direction === 'fromClient' ? this.delayedFromClient : this.delayedFromBackend;
    if (line !== undefined || outcome.delayMs > 0) {
      const held = line ?? new DelayLine(this, direction);
      if (direction === 'fromClient') this.delayedFromClient = held;
      else this.delayedFromBackend = held;
      held.hold(original, outcome);
    } else this.applyOutcome(direction, original, outcome);
    this.releaseBehind(direction);
  }

  /** Messages that waited for the valve host's last results (see onClientMessage) go on now. */
  private releaseBehind(direction: Direction): void {
    const fromClient = direction === 'fromClient';
    const list = fromClient ? this.behindFromClient : this.behindFromBackend;
    if (list === undefined) return;
    if ((fromClient ? this.pendingFromClient : this.pendingFromBackend) > list.length) return;
    if (fromClient) this.behindFromClient = undefined;
    else this.behindFromBackend = undefined;
    for (const m of list) this.onPipelineResult(direction, m, UNCHANGED);
  }

  applyOutcome(direction: Direction, original: WireMessage, outcome: ValveOutcome): void {
    if (this.state === 'closed') return;
    const send = direction === 'fromClient' ? this.toBackend : this.toClient;
    if (outcome.unchanged) send.call(this, original);
    else for (const m of outcome.forward) send.call(this, m);
    this.onHookResult(outcome);
  }

  onHookResult(outcome: ValveOutcome): void {
    if (outcome.toClient) for (const m of outcome.toClient) this.toClient(m);
    if (outcome.toBackend) for (const m of outcome.toBackend) this.toBackend(m);
    if (outcome.close) this.closeBoth(outcome.close.code, outcome.close.reason, 'valve');
  }

  onFailoverResult(outcome: ValveOutcome): void {
    if (this.state !== 'failing-over') return;
    // failover() messages go to the new backend before any replayed or new message.
    const first = outcome.unchanged ? [] : outcome.forward;
    const replay = this.notInUnsent([...first, ...(outcome.toBackend ?? [])]);
    if (outcome.toClient) for (const m of outcome.toClient) this.toClient(m);
    this.resume(replay);
    if (outcome.close) this.closeBoth(outcome.close.code, outcome.close.reason, 'valve');
  }

  /**
   * A valve such as replay-unanswered re-sends requests the lost backend never answered; some of
   * them may never have been written to it and are still in the unsent queue, which Sluice
   * replays itself, in their original order. Those are left to the queue, so nothing is sent
   * twice and nothing overtakes a message that came before it.
   */
  private notInUnsent(messages: WireMessage[]): WireMessage[] {
    if (messages.length === 0 || this.unsent.length === 0) return messages;
    const pending = new Map<string, number>();
    for (let i = 0; i < this.unsent.length; i++) {
      const key = this.unsent.at(i).data.toString('latin1');
      pending.set(key, (pending.get(key) ?? 0) + 1);
    }
    return messages.filter((m) => {
      const key = m.data.toString('latin1');
      const n = pending.get(key) ?? 0;
      if (n === 0) return true;
      pending.set(key, n - 1);
      return false;
    });
  }

  // ── backend link lifecycle ──────────────────────────────────────────────────────────────

  private attach(ws: WebSocket): void {
    this.link = ws;
    (ws as Tagged)[kSession] = this;
    this.linkAwaitingPong = false;
    this.linkPingAt = performance.now();
    const queue = this.unsent;
    this.ledger = BackendLedger.for(ws);
    // One completion function per link (not a closure per message): ws fires send callbacks in
    // order, so each success confirms the oldest in-flight message.
    let dead = false;
    this.linkOnSent = (err?: Error) => {
      if (dead || this.link !== ws) return;
      if (err) {
        dead = true;
        return;
      }
      queue.shift();
    };
    ws.on('message', backendOnMessage);
    ws.on('close', backendOnClose);
    ws.on('error', backendOnError);
    ws.on('pong', backendOnPong);
    ws.resume(); // paused since the handshake (runtime/backend/dial.ts)
  }

  private detach(): WebSocket | undefined {
    const ws = this.link;
    if (!ws) return undefined;
    ws.off('message', backendOnMessage);
    ws.off('close', backendOnClose);
    ws.off('error', backendOnError);
    ws.off('pong', backendOnPong);
    ws.on('error', ignore);
    this.link = undefined;
    this.linkOnSent = undefined;
    this.ledger = undefined;
    this.backpressure.linkGone();
    this.ctx.pool.release(this.backend, ws);
    if (this.ctx.metrics.instrumentation) {
      this.ctx.metrics.wsbActiveSessions.dec({ backend: this.backend.id, frontend: this.ctx.frontendId });
    }
    return ws;
  }

  onBackendClose(code: number, reason: Buffer): void {
    if (this.state === 'closing' || this.state === 'closed') {
      this.detach();
      this.finish();
      return;
    }
    if (this.draining) {
      // Admin failover: the old backend has flushed and closed; now dial the next one.
      this.draining = false;
      this.startFailover();
      return;
    }
    if (code === 1006 || this.backend.config.abnormalCloseCodes.includes(code)) {
      this.ctx.pool.lost(this.link, code); // a drop within flap-window counts for the breaker
      this.startFailover();
      return;
    }
    // A normal close (1000, 4xxx, …) reaches the client with its code and reason.
    this.detach();
    this.closeClient(code, reason.toString());
  }

  /** Admin failover (`/session/failover`, `/backend/failover`, `/backend/delete`): graceful. */
  requestFailover(): boolean {
    if (this.state !== 'open' || this.draining || !this.link) return false;
    // Stop writing to the old backend, let it answer what it already has, then switch. Messages
    // it sends before its close frame still reach the client, strictly before the new backend's.
    this.draining = true;
    this.heldLength = this.unsent.length;
    this.heldBytes = this.unsent.bytes;
    this.client.pause();
    const ws = this.link;
    ws.close(1001, 'failover');
    const timer = setTimeout(() => {
      if (this.link === ws) ws.terminate();
    }, this.ctx.adminFailoverDrainMs);
    timer.unref();
    return true;
  }

  private startFailover(): void {
    const lost = this.backend;
    const ledger = this.ledger;
    const old = this.detach();
    if (old && old.readyState !== old.CLOSED) old.terminate();
    if (ledger) this.dropDelivered(ledger);
    // What is left is replayed on the next link: its old stream offsets mean nothing there.
    this.unsent.resetEnds();
    const now = performance.now();
    this.failoverTimes ??= [];
    const times = this.failoverTimes;
    while (times.length > 0 && now - times[0] > 60_000) times.shift();
    if (times.length >= this.ctx.upstream.maxReconnects) {
      this.ctx.metrics.failovers.inc({ result: 'flapping' });
      this.end('SLUICE_ERR_FLAPPING', 'flapping');
      return;
    }
    times.push(now);
    this.state = 'failing-over';
    this.failoverStarted = now;
    this.heldLength = this.unsent.length;
    this.heldBytes = this.unsent.bytes;
    // TCP backpressure, not buffering: the client's messages wait in its socket meanwhile.
    this.client.pause();
    const headers = { ...this.request.headers };
    if (this.ctx.server.reconnectHeader) headers[this.ctx.server.reconnectHeader.toLowerCase()] = '1';
    this.failover = failoverDial(
      this.ctx.pool,
      { ...this.request, headers },
      lost,
      this.ctx.upstream.failoverTimeoutMs,
    );
    this.failover.result.then(this.onFailoverDialed.bind(this), (err: unknown) => {
      this.ctx.logger.error({ err, session: this.id }, 'failover dial crashed');
      this.end('SLUICE_ERR_NO_BACKEND', 'exhausted');
    });
  }

  private onFailoverDialed(r: PoolDialResult): void {
    this.failover = undefined;
    if (this.state !== 'failing-over') {
      if (r.ok) this.ctx.pool.giveBack(r.backend, r.ws, 'client went away');
      return;
    }
    if (!r.ok) {
      const auth = r.kind === 'declined' && (r.status === 401 || r.status === 403);
      this.ctx.metrics.failovers.inc({ result: auth ? 'declined' : 'exhausted' });
      this.ctx.logger.warn({ session: this.id, err: r.message }, 'failover failed');
      this.end(auth ? 'SLUICE_ERR_AUTH_DECLINED' : 'SLUICE_ERR_NO_BACKEND', 'failover-failed');
      return;
    }
    this.backend = r.backend;
    this.info.backend = backendRef(r.backend);
    this.reconnects++;
    this.attach(r.ws);
    if (this.ctx.metrics.instrumentation) {
      // wsbalancer_new_session counts client sessions, so a failover only moves the active gauge.
      this.ctx.metrics.wsbActiveSessions.inc({ backend: this.backend.id, frontend: this.ctx.frontendId });
    }
    if (this.pipeline.empty) this.resume([]);
    else this.pipeline.failover(this, this.info.backend);
  }

  /**
   * Messages the dead link's kernel had taken are delivered (DESIGN.md §3), even when their send
   * callbacks never fired because the batch they were written in was still partly queued.
   */
  private dropDelivered(ledger: BackendLedger): void {
    const accepted = ledger.acceptedAtEnd;
    if (accepted === undefined) return;
    while (this.unsent.length > 0 && this.unsent.endAt(0) <= accepted) this.unsent.shift();
  }

  /** Sends `first`, then replays the unsent queue on the new link, then lets the client read again. */
  private resume(first: WireMessage[]): void {
    const link = this.link;
    if (!link) return;
    this.state = 'open';
    const ledger = this.ledger;
    for (const m of first) {
      this.recorder?.write('client', m);
      ledger?.frameEnd(m.data.length);
      link.send(m.data, { binary: m.binary });
    }
    const n = this.unsent.length;
    for (let i = 0; i < n; i++) {
      const m = this.unsent.at(i);
      this.unsent.setEnd(i, ledger ? ledger.frameEnd(m.data.length) : Number.POSITIVE_INFINITY);
      link.send(m.data, { binary: m.binary }, this.linkOnSent);
    }
    this.ctx.metrics.replayedMessages.inc(n);
    this.ctx.metrics.failovers.inc({ result: 'success' });
    this.ctx.metrics.failoverSeconds.observe((performance.now() - this.failoverStarted) / 1000);
    this.ctx.logger.info({ session: this.id, backend: this.backend.id, replayed: n }, 'session failed over');
    this.backpressure.afterBackendWrite();
    if (!this.backpressure.clientPaused) this.client.resume();
  }

  // ── closing ─────────────────────────────────────────────────────────────────────────────

  onClientClose(code: number, reason: Buffer): void {
    if (this.state === 'closed') return;
    const wasClosing = this.state === 'closing';
    this.state = 'closing';
    this.failover?.cancel();
    this.failover = undefined;
    const link = this.link;
    if (link && !wasClosing) {
      const fwd = this.clientCloseCode ?? code;
      if (fwd === 1005) link.close();
      else if (isSendableCloseCode(fwd)) link.close(fwd, clampCloseReason(reason.toString()));
      else link.close(1001, 'client went away');
      const timer = setTimeout(() => this.link === link && link.terminate(), 1000);
      timer.unref();
    }
    if (!link || link.readyState === link.CLOSED) {
      this.detach();
      this.finish();
    }
    // Otherwise finish() runs when the backend's close arrives (onBackendClose).
  }

  /** Ends the session with an error from errors.ts (client gets its close code). */
  end(code: ErrorCode, reason: string): void {
    this.closeBoth(ERRORS[code].close, ERRORS[code].message, reason);
  }

  /** Closes both sides with `code` (admin abort, valve close, drain, errors). */
  closeBoth(code: number, reason: string, why: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.closeReason = why;
    this.failover?.cancel();
    this.failover = undefined;
    const link = this.detach();
    if (link && link.readyState === link.OPEN)
      link.close(isSendableCloseCode(code) ? code : 1011, 'session closed');
    else link?.terminate();
    this.closeClient(code, reason);
  }

  private closeClient(code: number, reason: string): void {
    this.state = 'closing';
    // A failover or backpressure may have paused the client: its close reply must be read, or the
    // closing handshake only ends when closeTimeoutMs destroys the socket.
    this.client.resume();
    if (code === 1005) this.client.close();
    else this.client.close(isSendableCloseCode(code) ? code : 1011, clampCloseReason(reason));
    const timer = setTimeout(() => this.client.terminate(), this.ctx.closeTimeoutMs);
    timer.unref();
  }

  onClientError(err: Error & { code?: string }): void {
    if (
      err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ||
      err.code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'
    ) {
      this.clientCloseCode = 1009;
      this.ctx.metrics.messagesOversize.inc({ direction: 'client_to_backend' });
    } else if (err.code === 'WS_ERR_INVALID_UTF8') {
      this.clientCloseCode = 1007;
    } else if (err.code?.startsWith('WS_ERR_')) {
      this.clientCloseCode = 1002;
    }
    this.closeReason = 'protocol-error';
  }

  onBackendError(err: Error & { code?: string }): void {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.ctx.metrics.messagesOversize.inc({ direction: 'backend_to_client' });
    }
    this.ctx.logger.debug({ session: this.id, backend: this.backend.id, err: err.message }, 'backend error');
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.recorder?.close();
    this.unsent.clear();
    this.delayedFromClient?.clear();
    this.delayedFromBackend?.clear();
    this.backpressure.dispose();
    if (!this.pipeline.empty) this.pipeline.close(this);
    this.ctx.metrics.sessionsActive.dec();
    this.ctx.metrics.sessionsClosed.inc({ reason: this.closeReason });
    this.ctx.onSessionEnd(this);
  }
}

/** ctx.delay(ms): holds outcomes of one direction, in order, until their time comes. */
class DelayLine {
  private readonly items: { original: WireMessage; outcome: ValveOutcome; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly session: Session;
  private readonly direction: Direction;

  constructor(session: Session, direction: Direction) {
    this.session = session;
    this.direction = direction;
  }

  hold(original: WireMessage, outcome: ValveOutcome): void {
    this.items.push({ original, outcome, at: performance.now() + outcome.delayMs });
    if (this.items.length === 1) this.arm();
  }

  private arm(): void {
    const first = this.items[0];
    this.timer = setTimeout(() => this.release(), Math.max(0, first.at - performance.now()));
  }

  private release(): void {
    const now = performance.now();
    while (this.items.length > 0 && this.items[0].at <= now) {
      const item = this.items.shift()!;
      this.session.applyOutcome(this.direction, item.original, item.outcome);
    }
    if (this.items.length > 0) this.arm();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.items.length = 0;
  }
}

const backendRefs = new WeakMap<Backend['config'], SessionInfo['backend']>();
/**
 * `SessionInfo.backend` for `backend`: one frozen object per backend config, shared by its
 * sessions (an idle session should not hold its own copy; a config change makes a new one).
 */
export function backendRef(backend: Backend): SessionInfo['backend'] {
  let ref = backendRefs.get(backend.config);
  if (ref === undefined) {
    ref = Object.freeze({ id: backend.id, url: backend.config.url });
    backendRefs.set(backend.config, ref);
  }
  return ref;
}

function socketOf(ws: WebSocket | undefined): Socket | undefined {
  return (ws as unknown as { _socket?: Socket } | undefined)?._socket;
}
function uncorkClient(s: Session): void {
  const socket = s.clientCorked;
  s.clientCorked = undefined;
  socket?.uncork();
}

// Named listeners shared by every session (STYLE.md: no closure per connection on the hot path).
function clientOnMessage(this: Tagged, data: Buffer, isBinary: boolean): void {
  this[kSession]!.onClientMessage(data, isBinary);
}
function clientOnClose(this: Tagged, code: number, reason: Buffer): void {
  this[kSession]!.onClientClose(code, reason);
}
function clientOnError(this: Tagged, err: Error): void {
  this[kSession]!.onClientError(err);
}
function clientOnPong(this: Tagged): void {
  this[kSession]!.clientAwaitingPong = false;
}
function backendOnMessage(this: Tagged, data: Buffer, isBinary: boolean): void {
  this[kSession]!.onBackendMessage(data, isBinary);
}
function backendOnClose(this: Tagged, code: number, reason: Buffer): void {
  this[kSession]!.onBackendClose(code, reason);
}
function backendOnError(this: Tagged, err: Error): void {
  this[kSession]!.onBackendError(err);
}
function backendOnPong(this: Tagged): void {
  this[kSession]!.linkAwaitingPong = false;
}
function ignore(): void {}
