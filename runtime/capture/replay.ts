// `sluice replay`: feeds a capture's messages through a pipeline in a real valve host, on a
// virtual clock advanced to each line's `t`, and prints what would reach each side.
import type { PipelineEntryConfig } from '../config/model.ts';
import { PipelineHarness, type SessionOptions, type StepResult } from '../testing/harness.ts';
import { showDelivered } from '../testing/messages.ts';
import type { CaptureLine } from './capture-file.ts';

export interface ReplaySummary {
  messages: number;
  toBackend: number;
  toClient: number;
  dropped: number;
  valveErrors: number;
}

/** The longest a valve may hold a message (ctx.delay): advancing this far releases everything. */
const MAX_DELAY_MS = 60_000;

/** Replays `lines` through `entries`, writing one block per message; valve errors are counted. */
export async function replayCapture(
  lines: CaptureLine[],
  entries: PipelineEntryConfig[],
  options: { write: (line: string) => void; session?: SessionOptions; backend?: { id: string; url: string } },
): Promise<ReplaySummary> {
  const { write } = options;
  const sum: ReplaySummary = {
    messages: lines.length,
    toBackend: 0,
    toClient: 0,
    dropped: 0,
    valveErrors: 0,
  };
  const h = await PipelineHarness.fromEntries(entries, { backend: options.backend });
  try {
    const report = (r: StepResult, closedBefore: boolean) => {
      for (const m of r.toBackend) write(`          → backend: ${showDelivered(m)}`);
      for (const m of r.toClient) write(`          → client:  ${showDelivered(m)}`);
      sum.toBackend += r.toBackend.length;
      sum.toClient += r.toClient.length;
      if (r.dropped) {
        sum.dropped++;
        write('          dropped');
      }
      for (const l of r.logs) {
        if (l.message.startsWith('valve error:')) sum.valveErrors++;
        write(`          log ${l.level} [${l.valve}] ${l.message}`);
      }
      if (r.closed !== false && !closedBefore) {
        write(
          `          closed: ${r.closed.code}${r.closed.reason ? ` ${JSON.stringify(r.closed.reason)}` : ''}`,
        );
      }
    };
    const opened = await h.open(options.session);
    if (opened.toBackend.length + opened.toClient.length + opened.logs.length > 0 || opened.closed) {
      write(`${stamp(0)}  open`);
      report(opened, false);
    }
    let closed = opened.closed !== false;
    for (const line of lines) {
      const now = h.clock.now();
      if (line.t > now) {
        const released = await h.advance(line.t - now);
        if (released.toBackend.length + released.toClient.length + released.logs.length > 0) {
          write(`${stamp(line.t)}  released (its ctx.delay ended)`);
          report(released, closed);
          closed = released.closed !== false;
        }
      }
      const input = line.type === 'text' ? line.data : { binary: line.data };
      const shown =
        line.type === 'text' ? showDelivered(line.data) : showDelivered(Buffer.from(line.data, 'base64'));
      write(`${stamp(line.t)}  ${line.from === 'client' ? 'client ' : 'backend'} ${shown}`);
      if (closed) {
        write('          not delivered: the session was closed');
        continue;
      }
      const r = line.from === 'client' ? await h.fromClient(input) : await h.fromBackend(input);
      report(r, closed);
      closed = r.closed !== false;
    }
    if (!closed) {
      const end = h.clock.now();
      const rest = await h.advance(MAX_DELAY_MS);
      if (rest.toBackend.length + rest.toClient.length + rest.logs.length > 0) {
        write(`${stamp(end)}+ released (its ctx.delay ended)`);
        report(rest, closed);
      }
    }
  } finally {
    await h.stop();
  }
  return sum;
}

function stamp(ms: number): string {
  return `${String(Math.round(ms)).padStart(7)}ms`;
}
