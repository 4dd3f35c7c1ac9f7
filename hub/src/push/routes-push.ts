import { PushKey, PushSaved, PushSubscriptionRequest, PushUnsubscribeRequest } from '@shopwatch/protocols';
import { HubError } from '../errors';
import { type HubRouteGroup, routeOf } from '../http/route-table';
import type { PushService } from './index';

/** What the push routes use. */
export interface PushRouteDeps {
  push: {
    keys: Pick<PushService['keys'], 'publicKey'>;
    subscriptions: Pick<PushService['subscriptions'], 'save' | 'remove'>;
  };
}

const route = routeOf<PushRouteDeps>();

/**
 * `/api/push`: the VAPID public key and the signed-in person's push subscriptions. Only users
 * subscribe (devices have MQTT); a subscription belongs to whoever saved it last. Web Push
 * (RFC 8030/8291/8292): the decrypted body of every push message is a PushMessage.
 */
export const PUSH_ROUTES: HubRouteGroup<PushRouteDeps> = {
  prefix: '/api/push',
  access: 'user',
  routes: [
    route({
      method: 'get',
      path: '/key',
      summary: 'VAPID public key for pushManager.subscribe()',
      responses: { 200: { description: 'The key', schema: PushKey } },
      handle: (c, _, svc) => c.json({ publicKey: svc.push.keys.publicKey }),
    }),
    route({
      method: 'post',
      path: '/subscriptions',
      summary: "Save this browser's push subscription for the signed-in user (https endpoint; http only on loopback)",
      body: PushSubscriptionRequest,
      responses: { 201: { description: 'Saved', schema: PushSaved } },
      handle: async (c, { body: sub }, svc) => {
        await svc.push.subscriptions.save(c.get('principal').id, sub);
        return c.json({ endpoint: sub.endpoint }, 201);
      },
    }),
    route({
      method: 'delete',
      path: '/subscriptions',
      summary: 'Forget one of your push subscriptions (sign-out)',
      body: PushUnsubscribeRequest,
      responses: { 204: { description: 'Removed' } },
      errors: { 404: 'No push subscription of yours has this endpoint' },
      handle: async (c, { body }, svc) => {
        if (!(await svc.push.subscriptions.remove(c.get('principal').id, body.endpoint))) {
          throw new HubError('not_found', 'no push subscription of yours has this endpoint');
        }
        return c.body(null, 204);
      },
    }),
  ],
};
