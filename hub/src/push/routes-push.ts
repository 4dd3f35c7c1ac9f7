import { Hono } from 'hono';
import { PushSubscriptionRequest, PushUnsubscribeRequest } from '@shopwatch/protocols';
import { HubError } from '../errors';
import { type Env, body, requireUser } from '../http/context';
import type { HubServices } from '../services';

/**
 * `/api/push`: the VAPID public key and the signed-in person's push subscriptions. Only users
 * subscribe (devices have MQTT); a subscription belongs to whoever saved it last.
 */
export function pushRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.use('*', requireUser(svc));

  app.get('/key', (c) => c.json({ publicKey: svc.push.keys.publicKey }));

  app.post('/subscriptions', async (c) => {
    const sub = await body(c, PushSubscriptionRequest);
    await svc.push.subscriptions.save(c.get('principal').id, sub);
    return c.json({ endpoint: sub.endpoint }, 201);
  });

  app.delete('/subscriptions', async (c) => {
    const { endpoint } = await body(c, PushUnsubscribeRequest);
    if (!(await svc.push.subscriptions.remove(c.get('principal').id, endpoint))) {
      throw new HubError('not_found', 'no push subscription of yours has this endpoint');
    }
    return c.body(null, 204);
  });
  return app;
}
