// Open loop: `rate` messages per second, round-robin over the connections, whatever the echoes
// do. Records the send → echo latency of every message sent inside the measured window.
import type WebSocket from 'ws';
import { openMany, TEXT, terminateAll } from './connect.ts';
import { makePayload, readSeq, stamp } from './payload.ts';
import type { MarkPhase, OpenJob, OpenResult } from './protocol.ts';

const DRAIN_MS = 2000;

interface Conn {
  ws: WebSocket;
  /** Send time (performance.now()) by sequence number; NaN: not measured. */
  sentAt: number[];
}

/** Runs an open-loop job to its end. */
export async function runOpen(job: OpenJob, mark: (phase: MarkPhase) => void): Promise<OpenResult> {
  const { sockets, failed, firstError } = await openMany(job.url, job.conns);
  if (failed > 0) {
    terminateAll(sockets);
    throw new Error(`${failed} of ${job.conns} connections to ${job.url} failed: ${firstError}`);
  }
  const template = makePayload(job.size);
  const conns: Conn[] = sockets.map((ws) => ({ ws, sentAt: [] }));
  const byWs = new Map<WebSocket, Conn>(conns.map((c) => [c.ws, c]));
  const latencies: number[] = [];
  const at: number[] = [];
  let errors = 0;
  let sent = 0;
  let measuredSent = 0;
  let outstanding = 0;
  const start = performance.now();
  const t0 = start + job.warmupMs;
  const t1 = t0 + job.durationMs;
  let onDrained: (() => void) | undefined;

  function onMessage(this: WebSocket, data: Buffer): void {
    const now = performance.now();
    const conn = byWs.get(this);
    const seq = readSeq(data);
    if (conn === undefined || seq < 0) return;
    const t = conn.sentAt[seq];
    if (t === undefined || Number.isNaN(t)) return;
    conn.sentAt[seq] = Number.NaN;
    latencies.push(now - t);
    at.push(now - t0);
    if (--outstanding === 0) onDrained?.();
  }
  const onError = () => {
    errors++;
  };
  for (const c of conns) {
    c.ws.on('message', onMessage);
    c.ws.on('error', onError);
    c.ws.on('close', onError);
  }

  // Sends what is due every millisecond (timers cannot fire more often).
  let marked = false;
  await new Promise<void>((resolve) => {
    const perMs = job.rate / 1000;
    const tick = () => {
      const now = performance.now();
      if (now >= t1) {
        mark('end');
        return resolve();
      }
      if (!marked && now >= t0) {
        marked = true;
        mark('start');
      }
      const due = Math.floor((now - start) * perMs);
      while (sent < due) {
        const conn = conns[sent % conns.length];
        const seq = conn.sentAt.length;
        const measured = performance.now();
        conn.sentAt.push(measured >= t0 ? measured : Number.NaN);
        if (measured >= t0) {
          outstanding++;
          measuredSent++;
        }
        conn.ws.send(stamp(template, seq), TEXT);
        sent++;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      onDrained = resolve;
      setTimeout(resolve, DRAIN_MS);
    });
  }
  for (const c of conns) c.ws.off('close', onError);
  terminateAll(sockets);
  return { kind: 'open', sent: measuredSent, received: latencies.length, latencies, at, errors };
}
