// Failover: every session sends at a steady rate to the proxy; a sentinel connection goes straight
// to the backend that will be killed. After the kill, the sentinel's close tells when the dead
// backend's sockets are gone (the kernel closes them as the process is torn down). Messages are
// classed by when they were sent:
//   before the kill — may have been written to the dead backend (in flight; may be lost);
//   kill … sockets gone + grace — may still have been written to a socket the proxy had not yet
//     seen close (the design counts a message as delivered once written);
//   later — cannot have been written to the dead backend: losing one is a bug.
// At "sockets gone + grace" every session sends one probe; a session has recovered when a message
// it sent from then on comes back. Recovery is timed from the kill, so it includes detection.
import type WebSocket from 'ws';
import { openMany, openOne, TEXT, terminateAll } from './connect.ts';
import { makePayload, readSeq, stamp } from './payload.ts';
import type { FailoverJob, FailoverResult } from './protocol.ts';

const DRAIN_MS = 3000;

interface Conn {
  ws: WebSocket;
  sentAt: number[];
  received: Uint8Array;
  recoveredAt: number;
}

/** Opens the sessions and the sentinel; the returned function runs the load and the kill. */
export async function prepareFailover(job: FailoverJob): Promise<() => Promise<FailoverResult>> {
  const { sockets, failed, firstError } = await openMany(job.url, job.conns);
  if (failed > 0) {
    terminateAll(sockets);
    throw new Error(`${failed} of ${job.conns} connections to ${job.url} failed: ${firstError}`);
  }
  const sentinel = await openOne(job.killUrl);
  return () => runFailover(job, sockets, sentinel);
}

async function runFailover(
  job: FailoverJob,
  sockets: WebSocket[],
  sentinel: WebSocket,
): Promise<FailoverResult> {
  const template = makePayload(job.size);
  const totalMs = job.killAfterMs + job.afterMs;
  const maxPerConn = Math.ceil(((totalMs + 1000) * job.ratePerConn) / 1000) + 16;
  const conns: Conn[] = sockets.map((ws) => ({
    ws,
    sentAt: [],
    received: new Uint8Array(maxPerConn),
    recoveredAt: -1,
  }));
  const byWs = new Map<WebSocket, Conn>(conns.map((c) => [c.ws, c]));
  let killedAt = Number.POSITIVE_INFINITY;
  let deadAt = Number.POSITIVE_INFINITY;
  /** From here on nothing can have been written to the dead backend. */
  let safeFrom = Number.POSITIVE_INFINITY;
  let duplicates = 0;
  let closed = 0;
  let errors = 0;

  function onMessage(this: WebSocket, data: Buffer): void {
    const now = performance.now();
    const conn = byWs.get(this);
    const seq = readSeq(data);
    if (conn === undefined || seq < 0 || seq >= conn.sentAt.length) return;
    if (conn.received[seq] !== 0) duplicates++;
    conn.received[seq] = 1;
    if (conn.recoveredAt < 0 && conn.sentAt[seq] >= safeFrom) conn.recoveredAt = now;
  }
  const send = (conn: Conn) => {
    const seq = conn.sentAt.length;
    if (seq >= maxPerConn) return;
    conn.sentAt.push(performance.now());
    conn.ws.send(stamp(template, seq), TEXT);
  };
  for (const c of conns) {
    c.ws.on('message', onMessage);
    c.ws.on('error', () => errors++);
    c.ws.on('close', () => closed++);
  }
  sentinel.on('error', () => {});
  sentinel.once('close', () => {
    deadAt = performance.now();
    setTimeout(() => {
      safeFrom = performance.now();
      for (const c of conns) send(c); // the probes
    }, job.graceMs);
  });

  const start = performance.now();
  await new Promise<void>((resolve) => {
    const perMs = (job.ratePerConn * conns.length) / 1000;
    let sent = 0;
    const tick = () => {
      const now = performance.now();
      if (now - start >= totalMs) return resolve();
      if (killedAt === Number.POSITIVE_INFINITY && now - start >= job.killAfterMs) {
        killedAt = performance.now();
        process.kill(job.killPid, 'SIGKILL');
      }
      const due = Math.floor((now - start) * perMs);
      for (; sent < due; sent++) send(conns[sent % conns.length]);
      setTimeout(tick, 1);
    };
    tick();
  });
  // Wait (bounded) for every message sent after safeFrom, then a little for replayed ones.
  const drainEnd = performance.now() + DRAIN_MS;
  while (performance.now() < drainEnd && missingFrom(conns, safeFrom) > 0) await sleep(20);
  await sleep(200);
  const count = { sentBefore: 0, lostBefore: 0, sentWindow: 0, lostWindow: 0, sentAfter: 0, lostAfter: 0 };
  for (const c of conns) {
    for (let seq = 0; seq < c.sentAt.length; seq++) {
      const t = c.sentAt[seq];
      const lost = c.received[seq] === 0 ? 1 : 0;
      if (t < killedAt) {
        count.sentBefore++;
        count.lostBefore += lost;
      } else if (t < safeFrom) {
        count.sentWindow++;
        count.lostWindow += lost;
      } else {
        count.sentAfter++;
        count.lostAfter += lost;
      }
    }
  }
  terminateAll(sockets);
  return {
    kind: 'failover',
    sessions: conns.length,
    deadAfterMs: deadAt - killedAt,
    recoveryMs: conns.map((c) => (c.recoveredAt < 0 ? -1 : c.recoveredAt - killedAt)),
    ...count,
    duplicates,
    closed,
    errors,
  };
}

function missingFrom(conns: Conn[], from: number): number {
  let n = 0;
  for (const c of conns)
    for (let seq = 0; seq < c.sentAt.length; seq++) if (c.received[seq] === 0 && c.sentAt[seq] >= from) n++;
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
