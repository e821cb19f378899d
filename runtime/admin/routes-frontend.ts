// /frontend/* endpoints (wsbalancer parity, WSBALANCER.md §3).
import type { ControlBus } from '../control/bus.ts';
import { idAction } from './routes-backend.ts';
import type { Route } from './router.ts';

/** The frontend routes, calling `bus`. */
export function frontendRoutes(bus: ControlBus): Route[] {
  return [
    {
      path: '/frontend/list',
      withId: false,
      access: 'read',
      handle: () => ({ status: 200, json: bus.listFrontends() }),
    },
    idAction('/frontend/pause/', (id) => bus.pauseFrontend(id)),
    idAction('/frontend/resume/', (id) => bus.resumeFrontend(id)),
  ];
}
