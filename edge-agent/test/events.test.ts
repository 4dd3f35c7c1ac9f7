import { describe, expect, it } from 'vitest';
import { AgentEvents } from '../src/events';
import { createLogger } from '../src/log';

describe("the agent's internal event bus", () => {
  it('hands each event to every listener in the order they subscribed', () => {
    const events = new AgentEvents(createLogger('test:events'));
    const seen: string[] = [];
    events.on('galleryVersion', (v) => seen.push(`follower ${v}`));
    events.on('galleryVersion', (v) => seen.push(`health ${v}`));
    events.emit('galleryVersion', 7);
    expect(seen).toEqual(['follower 7', 'health 7']);
  });

  it("keeps going when one listener throws: one part's bug does not stop another's work", () => {
    const events = new AgentEvents(createLogger('test:events'));
    const marked: string[] = [];
    events.on('fileRefused', () => {
      throw new Error('bug in a listener');
    });
    events.on('fileRefused', (r) => marked.push(`${r.itemId}/${r.name}`));
    expect(() =>
      events.emit('fileRefused', { itemId: 'c1', name: 'clip.mp4', reason: '410', purge: true }),
    ).not.toThrow();
    expect(marked).toEqual(['c1/clip.mp4']);
  });
});
