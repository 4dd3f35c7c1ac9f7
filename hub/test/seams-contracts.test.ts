/**
 * Contract suites for the parts a multi-node deployment would replace (ARCHITECTURE.md): each
 * is run against every implementation there is today, so a new one is checked the same way.
 */
import { describe, expect, it } from 'vitest';
import { type EventBus, InProcessEventBus } from '../src/bus';
import { type ConnectionCounts, InProcessConnectionCounts } from '../src/devices/presence';
import { logger, setLogLevel } from '../src/log';

setLogLevel('silent'); // one listener below fails on purpose
const device = { scheme: 'town', status: { deviceId: 'r1', status: 'online' as const, since: '', lastSeen: null } };

function eventBusContract(name: string, build: () => EventBus) {
  describe(`EventBus: ${name}`, () => {
    it('delivers each event to every listener, in the order emitted', () => {
      const bus = build();
      const seen: string[] = [];
      bus.on('gallery', (e) => seen.push(`a${e.version}`));
      bus.on('gallery', (e) => seen.push(`b${e.version}`));
      bus.emit('gallery', { scheme: 'town', version: 1, at: '' });
      bus.emit('gallery', { scheme: 'town', version: 2, at: '' });
      expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
    });

    it('keeps delivering to the others when one listener throws', () => {
      const bus = build();
      const seen: string[] = [];
      bus.on('device', () => {
        throw new Error('a feature bug');
      });
      bus.on('device', (e) => seen.push(e.status.deviceId));
      expect(() => bus.emit('device', device)).not.toThrow();
      expect(seen).toEqual(['r1']);
    });

    it('stops delivering to a listener once it is removed', () => {
      const bus = build();
      let n = 0;
      const off = bus.on('device', () => n++);
      bus.emit('device', device);
      off();
      bus.emit('device', device);
      expect(n).toBe(1);
    });
  });
}

function connectionCountsContract(name: string, build: () => ConnectionCounts) {
  describe(`ConnectionCounts: ${name}`, () => {
    it('reports the first connection of a device as 1 and its last close as 0', () => {
      const c = build();
      expect(c.opened('r1')).toBe(1);
      expect(c.opened('r1')).toBe(2); // a reconnect before the old keep-alive ran out
      expect(c.closed('r1')).toBe(1);
      expect(c.count('r1')).toBe(1);
      expect(c.closed('r1')).toBe(0);
      expect(c.count('r1')).toBe(0);
    });

    it('keeps devices apart and never counts below zero', () => {
      const c = build();
      c.opened('r1');
      expect(c.closed('r2')).toBe(0);
      expect(c.count('r1')).toBe(1);
      expect(c.count('r2')).toBe(0);
    });
  });
}

eventBusContract('in-process', () => new InProcessEventBus(logger('test:bus')));
connectionCountsContract('in-process', () => new InProcessConnectionCounts());
