import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../src/alerts/service';
import { devicePrincipal } from '../src/auth/principal';
import { InProcessEventBus } from '../src/bus';
import { Directory } from '../src/directory';
import { logger, setLogLevel } from '../src/log';
import { type Storage, openStorage } from '../src/storage/open';
import { SCHEME, seedScheme } from './storage/contract-fixtures';

// Copies of one raise that race past the "already raised?" check meet the unique index. The
// storage answers with a domain ConflictError (never an engine code), which the service turns
// into "the same alert": one alert, one announcement, every copy told the same id.
describe('raising the same alert twice at once', () => {
  let dir: string;
  let storage: Storage;

  beforeAll(async () => {
    setLogLevel('warn');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-race-'));
    storage = await openStorage({ dataDir: dir }, logger('test:storage'));
    await seedScheme(storage);
    await storage.repo.upsertDevice({
      id: 'radio-boots',
      kind: 'radio',
      scheme: SCHEME,
      store: 'boots',
      duty: 'store',
      name: null,
      secretHash: 'x',
    });
  });
  afterAll(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores and announces one alert and tells every copy its id', async () => {
    const bus = new InProcessEventBus(logger('test:bus'));
    const announced: string[] = [];
    bus.on('alert', (e) => announced.push(`${e.event.event}:${e.event.alert.id}`));
    const alerts = new AlertService(storage.repo, new Directory(storage.repo), bus, logger('test:alerts'));
    const device = (await storage.repo.getDevice('radio-boots'))!;
    const p = devicePrincipal(device, (await storage.repo.getScheme(SCHEME))!);
    const raise = { type: 'shoplifting', severity: 'high', clientRef: 'press-1' } as const;
    const copies = await Promise.all([alerts.raise(p, raise), alerts.raise(p, raise), alerts.raise(p, raise)]);
    const id = copies[0]!.alert.id;
    expect(copies.map((c) => c.alert.id)).toEqual([id, id, id]);
    expect(copies.filter((c) => c.created)).toHaveLength(1);
    expect(announced).toEqual([`raised:${id}`]);
    const stored = await storage.repo.listAlerts({ scheme: SCHEME, zones: null, limit: 10 });
    expect(stored.map((a) => a.id)).toEqual([id]);
  });
});
