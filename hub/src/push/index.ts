import type { HubDirectory } from '../directory-interface';
import type { Logger } from '../log';
import type { PushSubscriptionRepository } from '../storage/push-subscription-repository';
import type { Repository } from '../storage/repository';
import { PushSender, type PushSenderOptions } from './push-sender';
import { type VapidKeys, loadOrCreateVapidKeys } from './vapid-keys';

export interface PushService {
  keys: VapidKeys;
  subscriptions: PushSubscriptionRepository;
  sender: PushSender;
}

/** Builds Web Push: keys from the data dir, the subscription table, the sender (started on the bus later). */
export function createPush(
  dataDir: string,
  subscriptions: PushSubscriptionRepository,
  repo: Repository,
  dir: HubDirectory,
  log: Logger,
  opts?: PushSenderOptions,
): PushService {
  const keys = loadOrCreateVapidKeys(dataDir, log);
  const sender = new PushSender(subscriptions, repo, dir, keys, log, opts);
  return { keys, subscriptions, sender };
}
