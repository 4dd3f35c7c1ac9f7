import type { PushSubscriptionRequest } from '@shopwatch/protocols';

export interface StoredSubscription {
  endpoint: string;
  username: string;
  p256dh: string;
  auth: string;
  device: string | null;
  createdAt: string;
}

/** Each person keeps at most this many devices; the oldest subscription makes room. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/** Web Push subscriptions, one per browser (the endpoint is unique to a browser profile). */
export interface PushSubscriptionRepository {
  /**
   * Stores the browser's subscription for `username`, atomically dropping that user's oldest
   * beyond MAX_SUBSCRIPTIONS_PER_USER. The same endpoint signed in by someone else now belongs
   * to them: one browser, one person receiving.
   */
  save(username: string, s: PushSubscriptionRequest): Promise<void>;
  /** Removes one of the user's own subscriptions; true when there was one. */
  remove(username: string, endpoint: string): Promise<boolean>;
  /** Removes a subscription the push service said is gone (404/410). */
  drop(endpoint: string): Promise<void>;
  forUser(username: string): Promise<StoredSubscription[]>;
  /** Every subscription of the scheme's users, with the username so scope can be checked. */
  forScheme(scheme: string): Promise<StoredSubscription[]>;
}
