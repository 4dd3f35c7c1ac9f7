import type { Logger } from '../log';
import { type BrokerEngines, redisBrokerEngines } from './redis-broker';
import { RedisEventBus } from './redis-bus';
import { RedisLiveStreams } from './redis-live';
import { type HeartbeatOptions, NodeHeartbeat } from './redis-nodes';

/** The parts that join this hub node to the others through Redis (`SHOPWATCH_REDIS_URL`). */
export interface ClusterLink {
  /** Events of every node (bus.ts `Origin` says which listener wants which). */
  bus: RedisEventBus;
  /** aedes' router and persistence, shared by every node's broker. */
  engines: BrokerEngines;
  /** This node's heartbeat; `sweepNode` drops what a node whose heartbeat ran out left behind. */
  heartbeat(nodeId: string, sweepNode: (nodeId: string) => Promise<void>, opts?: HeartbeatOptions): NodeHeartbeat;
  /** Which node waits for which live stream (edge sockets reaching another node are relayed). */
  liveStreams: RedisLiveStreams;
}

/**
 * Builds the cluster parts by constructor; none connects before it is started (the broker at
 * its `start`, the bus and the heartbeat at their feature steps).
 */
export function joinCluster(url: string, log: Logger): ClusterLink {
  return {
    bus: new RedisEventBus(url, log),
    engines: redisBrokerEngines(url, log),
    heartbeat: (nodeId, sweepNode, opts) => new NodeHeartbeat(url, nodeId, sweepNode, log, opts),
    liveStreams: new RedisLiveStreams(url, log),
  };
}
