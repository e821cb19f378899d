// /session/* endpoints (wsbalancer parity, WSBALANCER.md §3).
import type { ActionOutcome, ControlBus } from '../control/bus.ts';
import { idAction } from './routes-backend.ts';
import type { Route } from './router.ts';

const NOT_SUPPORTED: ActionOutcome = { kind: 'invalid', reason: 'RecordingNotSupported' };

/** The session routes, calling `bus`. */
export function sessionRoutes(bus: ControlBus): Route[] {
  return [
    {
      path: '/session/list',
      withId: false,
      access: 'read',
      handle: () => ({ status: 200, json: bus.listSessions() }),
    },
    idAction('/session/abort/', (id) => bus.abortSession(id)),
    idAction('/session/failover/', (id) => bus.failoverSession(id)),
    idAction('/session/record/', (id) => bus.recordSession?.(id) ?? NOT_SUPPORTED),
  ];
}
