import type { Logger } from './log';
import type { SpoolStatus } from './spool/types';

/** What the agent's parts tell each other, by kind. */
export interface AgentEventMap {
  /** The spool's level changed (`warning` above the warn ratio of its quota). */
  spoolStatus: SpoolStatus;
  /** The hub announced a gallery version (retained `gallery/version`). */
  galleryVersion: number;
  /** The hub refused one file of a spooled item for good; `purge`: its media must go. */
  fileRefused: { itemId: string; name: string; reason: string; purge: boolean };
}

type Listener<K extends keyof AgentEventMap> = (event: AgentEventMap[K]) => void;

/**
 * The agent's internal bus. Parts built early publish here; parts built later subscribe when
 * they are built, so the composition root (agent.ts) needs no forward references. Each listener
 * runs on its own: one that throws is logged and the others still run (zigbee2mqtt's EventBus).
 *
 * @example
 * const events = new AgentEvents(log);
 * events.on('galleryVersion', (v) => follower.announce(v));
 * events.emit('galleryVersion', 7);
 */
export class AgentEvents {
  private readonly listeners: { [K in keyof AgentEventMap]: Listener<K>[] } = {
    spoolStatus: [],
    galleryVersion: [],
    fileRefused: [],
  };

  constructor(private readonly log: Logger) {}

  on<K extends keyof AgentEventMap>(kind: K, listener: Listener<K>): void {
    this.listeners[kind].push(listener);
  }

  emit<K extends keyof AgentEventMap>(kind: K, event: AgentEventMap[K]): void {
    for (const listener of this.listeners[kind]) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ kind, err: (err as Error).message }, 'agent event listener failed');
      }
    }
  }
}
