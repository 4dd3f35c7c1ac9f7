import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import type { Storage } from '../../src/storage/open';
import { auditContract } from './contract-audit';
import { casesContract } from './contract-cases';
import { errorsContract } from './contract-errors';
import { evidenceContract } from './contract-evidence';
import { seedScheme } from './contract-fixtures';
import { galleryContract } from './contract-gallery';
import { governanceContract } from './contract-governance';
import { pushContract } from './contract-push';

/**
 * Opens the storage of one engine for a test. Called again with the same `dir` it must reach
 * the same data (the reopen tests check that a resolved write is durable); a server engine
 * can key a database by `dir`.
 */
export type StorageFactory = (dir: string) => Promise<Storage>;

/** What each interface's suite gets: the open storage, and a way to close and reopen it. */
export interface ContractContext {
  s(): Storage;
  reopen(): Promise<Storage>;
}

/**
 * The repository contract: the behaviour every implementation of the storage interfaces
 * (storage/open.ts) must show, written against the interfaces only (after the pattern of
 * MQTT.js's abstract_store tests), so a PostgreSQL engine runs the very same tests.
 */
export function storageContract(engine: string, open: StorageFactory) {
  describe(`storage contract: ${engine}`, () => {
    let dir = '';
    let storage: Storage | null = null;
    const ctx: ContractContext = {
      s: () => storage!,
      reopen: async () => {
        await storage!.close();
        storage = null;
        storage = await open(dir);
        return storage;
      },
    };
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-storage-'));
      storage = await open(dir);
      await seedScheme(storage);
    });
    afterEach(async () => {
      await storage?.close();
      storage = null;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    governanceContract(ctx);
    galleryContract(ctx);
    evidenceContract(ctx);
    casesContract(ctx);
    auditContract(ctx);
    pushContract(ctx);
    errorsContract(ctx);
  });
}
