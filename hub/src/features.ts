import type { HubOptions, HubParts, HubStorage } from './compose';
import { type HubConfig, internalUrlOf } from './config';
import type { Step } from './lifecycle';
import type { Logger } from './log';
import { startAlertFanout, startCameraFanout, startGalleryFanout, startReviewFanout } from './mqtt/fanout';
import { whileLeader } from './cluster/leader-jobs';
import { logger } from './log';
import type { Provisioning } from '@shopwatch/protocols';

/** What the start-up steps share; each field is set by the step named in its comment. */
export class HubContext {
  /** Set by the `storage` step. */
  storage!: HubStorage;
  /** Set by the `domain` step. */
  parts!: HubParts;
  /** Set by the `listeners` step. */
  ports = { http: 0, mqtt: 0 };

  constructor(
    readonly config: HubConfig,
    readonly options: HubOptions,
    /** The provisioning file, read before storage is touched (a bad file fails fast). */
    readonly seed: Provisioning | null,
    readonly log: Logger,
  ) {}
}

const unsubscribeAll = (offs: (() => void)[]) => ({
  stop: () => {
    for (const off of offs) off();
  },
});

/**
 * The hub's features after storage and provisioning, in start order; they stop in reverse.
 * The order keeps these guarantees: the MQTT fan-outs listen before anything announces (the
 * gallery versions at start-up are retained for edge boxes); the sweeps and schedulers start
 * before the network listeners, which come last, so nothing is accepted before the hub can
 * keep it; on stop the listeners close first.
 */
export const HUB_FEATURES: readonly Step<HubContext>[] = [
  {
    // Cluster mode: other nodes' events reach this node's listeners from here on; stops last.
    name: 'cluster bus',
    start: async ({ parts: { cluster } }) => {
      if (!cluster) return undefined;
      await cluster.bus.start();
      return { stop: () => cluster.bus.stop() };
    },
  },
  {
    name: 'alert listing',
    start: ({ parts }) => ({ stop: () => parts.listing.stop() }),
  },
  {
    name: 'metrics',
    start: ({ parts: { bus, metrics } }) =>
      // Own node's events: each node counts what happened on it, so a sum over nodes counts once.
      unsubscribeAll([bus.on('alert', (e) => metrics.alertEvents.inc({ event: e.event.event }), { origin: 'local' })]),
  },
  {
    name: 'mqtt broker',
    start: async ({ parts }) => {
      await parts.broker.start();
      return { stop: () => parts.broker.close() };
    },
  },
  {
    name: 'mqtt fan-out',
    start: ({ parts: { bus, broker, dir } }) => {
      const log = logger('hub:fanout');
      return unsubscribeAll([
        startReviewFanout(bus, broker, log),
        startAlertFanout(bus, broker, dir, log),
        startCameraFanout(bus, broker, log),
        startGalleryFanout(bus, broker, log),
      ]);
    },
  },
  {
    // In a cluster one node leads (PostgreSQL advisory lock) and runs the jobs that must happen
    // once cluster-wide; alone, a node always leads. Stopped after those jobs (reverse order).
    name: 'leadership',
    start: async ({ parts }) => {
      await parts.leadership.start();
      return { stop: () => parts.leadership.stop() };
    },
  },
  {
    name: 'gallery sync',
    start: async ({ parts }) => {
      await parts.gallery.announceAll(); // every node: edge boxes on its broker hear the version
      const sweeps = { start: () => parts.gallery.startSweeps(), stop: () => parts.gallery.stop() };
      return whileLeader(parts.leadership, 'gallery template expiry', sweeps, logger('hub:gallery'));
    },
  },
  {
    name: 'review expiry',
    start: ({ parts }) => whileLeader(parts.leadership, 'review expiry', parts.review, logger('hub:review')),
  },
  {
    name: 'gallery expiry',
    start: ({ parts }) => whileLeader(parts.leadership, 'gallery expiry', parts.subjects, logger('hub:gallery')),
  },
  {
    name: 'review cases',
    start: async ({ parts }) => {
      await parts.cases.fileUnassigned(); // candidates stored without a case before a crash
      return undefined;
    },
  },
  {
    name: 'revocation',
    start: async ({ parts }) => {
      parts.deviceConnections.start();
      await parts.revocation.start();
      // Cluster: another node's provisioning change is picked up at once, not at the next poll.
      const off = parts.bus.on('revoked', () => void parts.revocation.check().catch(() => {}), { origin: 'remote' });
      return {
        stop: () => {
          off();
          parts.revocation.stop();
        },
      };
    },
  },
  {
    name: 'presence',
    start: async ({ parts }) => {
      await parts.presence.start();
      return undefined;
    },
  },
  {
    // After presence (a sweep announces devices offline), before the listeners accept anyone.
    name: 'node heartbeat',
    start: async ({ parts: { cluster } }) => {
      if (!cluster) return undefined;
      await cluster.heartbeat.start();
      return { stop: () => cluster.heartbeat.stop() };
    },
  },
  {
    name: 'escalation',
    start: ({ parts }) => whileLeader(parts.leadership, 'escalation', parts.escalation, logger('hub:escalation')),
  },
  {
    name: 'web push',
    start: ({ parts }) => {
      parts.push.sender.start(parts.bus);
      return { stop: () => parts.push.sender.stop() };
    },
  },
  {
    name: 'listeners',
    start: async (ctx) => {
      const { config, parts } = ctx;
      ctx.ports.mqtt = await parts.broker.listen(config.mqttPort, config.host);
      ctx.ports.http = await parts.http.listen(config.httpPort, config.host);
      parts.live.listening(internalUrlOf(config, ctx.ports.http));
      return {
        stop: async () => {
          parts.live.close(); // first: viewers hear why, edge boxes stop ffmpeg
          // Devices go to another replica; what they sent is stored before storage closes.
          await Promise.all([parts.broker.disconnectAll(), parts.http.close()]);
        },
      };
    },
  },
];
