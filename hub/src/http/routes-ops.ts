import { Health } from '@shopwatch/protocols';
import type { Metrics } from '../metrics';
import type { Repository } from '../storage/repository';
import { type HubRouteGroup, routeOf } from './route-table';

/** What liveness, readiness and metrics read. */
export interface OpsRouteDeps {
  repo: Pick<Repository, 'maxSeq'>;
  metrics: Pick<Metrics, 'registry'>;
  ready: () => boolean;
  /** True once a stop was asked for: the front door must send new connections elsewhere. */
  draining?: () => boolean;
}

const route = routeOf<OpsRouteDeps>();

/** For the orchestrator and Prometheus: public, and answered without a session. */
export const OPS_ROUTES: HubRouteGroup<OpsRouteDeps> = {
  prefix: '',
  access: 'public',
  routes: [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      responses: { 200: { description: 'Alive', schema: Health } },
      handle: (c) => c.json({ status: 'ok', checks: {} }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: storage and broker',
      responses: {
        200: { description: 'Ready', schema: Health },
        503: { description: 'Not ready', schema: Health },
      },
      handle: async (c, _, svc) => {
        const checks: Record<string, string> = {};
        try {
          await svc.repo.maxSeq();
          checks.storage = 'ok';
        } catch (e) {
          checks.storage = (e as Error).message;
        }
        checks.broker = svc.ready() ? 'ok' : 'starting';
        if (svc.draining?.()) checks.lifecycle = 'draining';
        const ok = Object.values(checks).every((v) => v === 'ok');
        const status = ok ? 'ok' : checks.lifecycle ? 'failing' : 'starting';
        return c.json({ status, checks }, ok ? 200 : 503);
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      responses: { 200: { description: 'Text exposition format', raw: ['text/plain'] } },
      handle: async (c, _, svc) =>
        c.text(await svc.metrics.registry.metrics(), 200, { 'content-type': svc.metrics.registry.contentType }),
    }),
  ],
};
