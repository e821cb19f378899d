// /metrics, /healthz and /readyz: what monitoring and orchestrators call.
import type { Metrics } from '../metrics.ts';
import type { Route } from './router.ts';

export interface HealthProbe {
  /** The process works (false only when it should be restarted). */
  live(): boolean;
  /** The process takes new sessions (false while starting or draining). */
  ready(): boolean;
}

/** The operations routes: Prometheus text and the two health probes. */
export function opsRoutes(metrics: Metrics, health: HealthProbe): Route[] {
  return [
    {
      path: '/metrics',
      withId: false,
      access: 'read',
      handle: async () => ({
        status: 200,
        text: await metrics.registry.metrics(),
        contentType: metrics.registry.contentType,
      }),
    },
    {
      path: '/healthz',
      withId: false,
      access: 'read',
      open: true,
      handle: () =>
        health.live() ? { status: 200, json: { status: 'ok' } } : { status: 503, json: { status: 'down' } },
    },
    {
      path: '/readyz',
      withId: false,
      access: 'read',
      open: true,
      handle: () =>
        health.ready()
          ? { status: 200, json: { status: 'ok' } }
          : { status: 503, json: { status: 'draining' } },
    },
  ];
}
