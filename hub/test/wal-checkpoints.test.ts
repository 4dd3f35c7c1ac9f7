import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { topics } from '@shopwatch/protocols';
import { startTestHub } from './support/hub';
import { TestDevice } from './support/mqtt';

/**
 * How far the hub's WAL has got, read from its WAL-index (the -shm file) as any other process
 * could: mxFrame, the frames committed, at byte 16 and nBackfill, the frames already copied into
 * the database file, at byte 96 (SQLite file format, §4.5 "WAL-index format"; native byte order).
 */
function walIndex(dataDir: string) {
  const b = fs.readFileSync(path.join(dataDir, 'shopwatch.db-shm')).subarray(0, 136);
  const u32 = (at: number) => (os.endianness() === 'LE' ? b.readUInt32LE(at) : b.readUInt32BE(at));
  return { frames: u32(16), backfilled: u32(96) };
}

describe('WAL checkpoints', () => {
  it('copies committed raises into the database file without waiting for the WAL to fill', async () => {
    const hub = await startTestHub();
    const boots = await TestDevice.connect(hub.mqttPort, 'radio-boots', 'radio-boots-secret-for-tests');
    try {
      for (let i = 0; i < 20; i++) {
        await boots.publish(topics.alertRaise('town'), { type: 'shoplifting', severity: 'low', clientRef: `ck-${i}` });
      }
      // Far fewer than the 1,000 pages at which a commit would checkpoint by itself: whatever copies
      // them is not a raise's commit.
      expect(walIndex(hub.dataDir).frames).toBeLessThan(1000);
      await expect
        .poll(() => walIndex(hub.dataDir), { timeout: 5000, interval: 50 })
        .toSatisfy(
          ({ frames, backfilled }: { frames: number; backfilled: number }) => frames > 0 && backfilled === frames,
        );
    } finally {
      await boots.end();
      await hub.stop();
    }
  });
});
