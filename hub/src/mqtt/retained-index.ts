import { Readable } from 'node:stream';
import memory from 'aedes-persistence';
import { hasWildcard } from '@shopwatch/protocols';

type Packet = { topic: string; payload: Buffer | string };

/**
 * aedes' in-memory persistence, with retained messages also kept by exact topic.
 *
 * Why: on every SUBSCRIBE, aedes' memory persistence tests each retained message against the
 * filter — O(retained) per subscription. The hub retains one presence message per device, so a
 * reconnect storm of 5,000 radios subscribing to their zone cost 25 million topic tests and kept
 * the event loop busy for tens of seconds. A filter without wildcards matches one topic at most,
 * which a map finds at once; filters with wildcards (a control room's `devices/+/status`) still
 * take aedes' own path.
 */
export function indexedMemoryPersistence() {
  const p = memory();
  const byTopic = new Map<string, Packet>();
  const store = p.storeRetained.bind(p) as (packet: Packet, cb?: (err?: Error | null) => void) => unknown;
  p.storeRetained = ((packet: Packet, cb?: (err?: Error | null) => void) => {
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
    return store(packet, cb);
  }) as typeof p.storeRetained;
  const exact = (patterns: string[]) => Readable.from(patterns.flatMap((t) => byTopic.get(t) ?? []));
  const combi = p.createRetainedStreamCombi.bind(p);
  p.createRetainedStreamCombi = (patterns) => (patterns.some(hasWildcard) ? combi(patterns) : exact(patterns));
  const single = p.createRetainedStream.bind(p);
  p.createRetainedStream = (pattern) => (hasWildcard(pattern) ? single(pattern) : exact([pattern]));
  return p;
}
