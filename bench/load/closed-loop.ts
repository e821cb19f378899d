// Closed loop: every connection keeps `window` messages in flight and sends one more per echo.
// Counts the echoes received inside the measured window (after the warm-up).
import type WebSocket from 'ws';
import { openMany, TEXT, terminateAll } from './connect.ts';
import { makePayload } from './payload.ts';
import type { ClosedJob, ClosedResult, MarkPhase } from './protocol.ts';

/** Runs a closed-loop job to its end. */
export async function runClosed(job: ClosedJob, mark: (phase: MarkPhase) => void): Promise<ClosedResult> {
  const { sockets, failed, firstError } = await openMany(job.url, job.conns);
  if (failed > 0) {
    terminateAll(sockets);
    throw new Error(`${failed} of ${job.conns} connections to ${job.url} failed: ${firstError}`);
  }
  const payload = makePayload(job.size);
  let running = true;
  let counting = false;
  let count = 0;
  let errors = 0;
  // One listener function shared by every socket (no closure per socket or message).
  function onMessage(this: WebSocket): void {
    if (counting) count++;
    // payload is never modified, so ws may keep a reference to it safely
    if (running) this.send(payload, TEXT);
  }
  const onError = () => {
    errors++;
  };
  for (const ws of sockets) {
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onError);
  }
  for (const ws of sockets) for (let i = 0; i < job.window; i++) ws.send(payload, TEXT);
  await sleep(job.warmupMs);
  counting = true;
  mark('start');
  const t0 = performance.now();
  await sleep(job.durationMs);
  counting = false;
  mark('end');
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  const messages = count;
  for (const ws of sockets) ws.off('close', onError);
  terminateAll(sockets);
  return { kind: 'closed', messages, seconds, errors };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
