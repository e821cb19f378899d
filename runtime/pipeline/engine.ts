// What a per-session pipeline needs from the valve host (implemented by runtime/sandbox/valve-host.ts).
import type { WireMessage } from './types.ts';
import type { ValvePipeline } from './valve-pipeline.ts';

export interface PipelineEngine {
  /** A new session handle (never reused). */
  allocHandle(): number;
  /** Queues one item (op codes in runtime/sandbox/batch-format.ts) for the next batch. */
  enqueue(pipe: ValvePipeline, op: number, msg: WireMessage | undefined, json: string | undefined): void;
}
