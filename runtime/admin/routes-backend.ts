// /backend/* endpoints (wsbalancer parity, WSBALANCER.md §3).
import type { ActionOutcome, ControlBus } from '../control/bus.ts';
import { failed, outcomeReply } from './respond.ts';
import type { Route } from './router.ts';

/** An `{id}` action: POST only, the bus decides the outcome. */
export function idAction(path: string, act: (id: string) => ActionOutcome): Route {
  return { path, withId: true, access: 'action', handle: ({ id }) => outcomeReply(act(id)) };
}

/** The backend routes, calling `bus`. */
export function backendRoutes(bus: ControlBus): Route[] {
  return [
    {
      path: '/backend/list',
      withId: false,
      access: 'read',
      handle: () => ({ status: 200, json: bus.listBackends() }),
    },
    {
      path: '/backend/add',
      withId: false,
      access: 'action',
      jsonBody: true,
      handle: ({ body }) => outcomeReply(bus.addBackend(body)),
    },
    {
      path: '/backend/config/',
      withId: true,
      access: 'read',
      handle: ({ id }) => {
        const config = bus.backendConfig(id);
        return config ? { status: 200, json: config } : failed(404, 'NotFound');
      },
    },
    idAction('/backend/disable/', (id) => bus.disableBackend(id)),
    idAction('/backend/enable/', (id) => bus.enableBackend(id)),
    idAction('/backend/failover/', (id) => bus.failoverBackend(id)),
    idAction('/backend/reset/', (id) => bus.resetBackend(id)),
    idAction('/backend/delete/', (id) => bus.deleteBackend(id)),
  ];
}
