import { topics } from '@shopwatch/protocols';
import type { EventBus } from '../bus';
import type { SchemeLookup } from '../directory-interface';
import type { Logger } from '../log';
import type { Broker } from './broker';

/** What the fan-outs need of the broker: publishing as the hub. */
type Publisher = Pick<Broker, 'publish'>;

/**
 * Publishes every stored alert event on its zone topic; escalated (scheme-wide) events on every
 * zone topic of the scheme. A device subscribed to several of those topics gets each event
 * once: the broker's forward hook drops repeats by event seq.
 *
 * QoS 0 on purpose: the event is already stored, a device confirms it with a receipt, and what
 * it has not receipted is replayed from storage when it comes back. At QoS 1 the broker would
 * also queue the event for offline persistent sessions — a second, unordered source of
 * catch-up (issue 18.3) — and drop-by-seq of a QoS 1 copy breaks persistent sessions (18.4).
 */
export function startAlertFanout(bus: EventBus, broker: Publisher, dir: SchemeLookup, log: Logger): () => void {
  // Events go out in the order they were stored (seq). A scheme-wide event first needs the
  // scheme's zones, an asynchronous look-up: without this chain a zone event stored after it
  // would overtake it on a wildcard subscriber's connection.
  let previous: Promise<void> = Promise.resolve();
  // Own node's events only: the broker routes what this node publishes to every node's radios.
  const local = { origin: 'local' } as const;
  return bus.on(
    'alert',
    ({ scheme, zone, scope, event, payload }) => {
      const buf = Buffer.from(payload);
      const publishTo = (zones: string[]) => {
        for (const z of zones) {
          broker
            .publish(topics.zoneAlerts(scheme, z), buf, { qos: 0 })
            .catch((err) => log.error({ err, seq: event.seq, zone: z }, 'fan-out failed'));
        }
      };
      previous = previous
        .then(async () => publishTo(scope === 'zone' ? [zone] : (await dir.scheme(scheme)).zones.map((z) => z.id)))
        .catch((err) => log.error({ err, scheme, seq: event.seq }, 'fan-out failed'));
    },
    local,
  );
}

/** Like the alert fan-out, the others publish their own node's events only (see bus.ts `Origin`). */
const LOCAL = { origin: 'local' } as const;

/** Camera states are republished, validated and retained, for the control room. */
export function startCameraFanout(bus: EventBus, broker: Publisher, log: Logger): () => void {
  return bus.on(
    'camera',
    ({ scheme, status }) => {
      broker
        .publish(topics.cameraStatus(scheme, status.deviceId, status.cameraId), JSON.stringify(status), {
          retain: true,
        })
        .catch((err) => log.error({ err }, 'camera status publish failed'));
    },
    LOCAL,
  );
}

/** Review queue changes go to control-room devices over MQTT (the browser gets them on /ws). */
export function startReviewFanout(bus: EventBus, broker: Publisher, log: Logger): () => void {
  return bus.on(
    'review',
    ({ scheme, event }) => {
      broker
        .publish(topics.reviewCandidates(scheme), JSON.stringify(event))
        .catch((err) => log.error({ err }, 'review publish failed'));
    },
    LOCAL,
  );
}

/**
 * The gallery version, retained, so an edge box that connects later learns it at once. In the
 * order announced: a box must never be left on an older version than the newest one.
 */
export function startGalleryFanout(bus: EventBus, broker: Publisher, log: Logger): () => void {
  return bus.on(
    'gallery',
    ({ scheme, version, at }) => {
      broker
        .publish(topics.galleryVersion(scheme), JSON.stringify({ version, at }), { retain: true })
        .catch((err) => log.error({ err, scheme, version }, 'gallery version publish failed'));
    },
    LOCAL,
  );
}
