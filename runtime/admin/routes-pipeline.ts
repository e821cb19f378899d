// GET /pipeline and POST /pipeline/reload (Sluice additions, CONTRACT.md §5).
import type { ActionOutcome, ControlBus } from '../control/bus.ts';
import { failed, outcomeReply, type Reply } from './respond.ts';
import type { Route } from './router.ts';

/** How long POST /pipeline/reload waits for the bus before answering 504. */
export const DEFAULT_RELOAD_TIMEOUT_MS = 30_000;

async function reloadWithin(bus: ControlBus, timeoutMs: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'timeout');
    timer.unref(); // an abandoned reload must not keep a closing process alive
  });
  try {
    const outcome: ActionOutcome | 'timeout' = await Promise.race([bus.reloadPipeline(), timeout]);
    if (outcome === 'timeout') {
      const seconds = Math.round(timeoutMs / 100) / 10;
      return failed(504, `Timeout: the pipeline reload did not finish within ${seconds}s; see the log`);
    }
    return outcomeReply(outcome);
  } finally {
    clearTimeout(timer);
  }
}

/** The pipeline routes, calling `bus`. */
export function pipelineRoutes(bus: ControlBus, reloadTimeoutMs: number): Route[] {
  return [
    {
      path: '/pipeline',
      withId: false,
      access: 'read',
      handle: () => ({ status: 200, json: bus.pipelineStatus() }),
    },
    {
      path: '/pipeline/reload',
      withId: false,
      access: 'action',
      handle: () => reloadWithin(bus, reloadTimeoutMs),
    },
  ];
}
