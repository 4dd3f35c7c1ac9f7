import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { loadVision, type Vision } from '@shopwatch/models';
import { InferencePool } from '../../src/inference/pool';
import { memoryDir } from './memory-dir';

export interface RealPool {
  vision: Vision;
  pool: InferencePool;
  /** A fresh folder for the block's gallery. */
  dir: string;
}

/**
 * The real face models and a real inference pool of `workers` worker threads for the calling
 * describe block: started before its first test (loading the models takes seconds on a busy
 * box), closed after its last. Read the fields inside tests, not at describe time.
 */
export function useRealPool(workers: number): RealPool {
  const ctx = {} as RealPool;
  beforeAll(async () => {
    [ctx.vision, ctx.pool] = await Promise.all([loadVision(), InferencePool.start({ workers })]);
    ctx.dir = memoryDir('shopwatch-test-gallery-');
  }, 120_000);
  afterAll(async () => {
    await ctx.pool?.close();
    await ctx.vision?.close();
    if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}
