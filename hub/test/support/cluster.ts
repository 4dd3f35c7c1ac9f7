import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import type { HubOptions } from '../../src/compose';
import { type RunningHub, startHub } from '../../src/hub';
import { tempDir, testScheme, writeSeed } from './hub';
import { testDatabaseFor } from './postgres';

/**
 * Hub nodes of one cluster in this test process: each its own ports and node id, all joined
 * through one Redis and sharing one store of record: the run's PostgreSQL (`npm run
 * test:postgres`), else one SQLite file in WAL mode, which hubs on one machine may share. They
 * share one data dir too, as replicas share their keys.
 */
export class TestCluster {
  readonly dataDir = tempDir('shopwatch-cluster-');
  readonly seed = writeSeed(this.dataDir, testScheme());
  readonly nodes: (RunningHub & { http: string })[] = [];

  constructor(readonly redisUrl: string) {}

  /** The shared PostgreSQL database when the run has a server (see support/postgres.ts). */
  databaseUrl(): Promise<string | undefined> {
    return testDatabaseFor(this.dataDir);
  }

  async start(nodeId: string, options: HubOptions = {}): Promise<RunningHub & { http: string }> {
    const databaseUrl = await this.databaseUrl();
    const config = loadConfig(
      {},
      {
        httpPort: 0,
        mqttPort: 0,
        host: '127.0.0.1',
        dataDir: this.dataDir,
        seed: this.seed,
        logLevel: (process.env.CLUSTER_LOG as 'info') ?? 'error',
        redisUrl: this.redisUrl,
        nodeId,
        ...(databaseUrl ? { databaseUrl } : {}),
      },
    );
    const hub = await startHub(config, options);
    if (databaseUrl && fs.existsSync(path.join(this.dataDir, 'shopwatch.db'))) {
      await hub.stop();
      throw new Error(`a node given ${databaseUrl} made a SQLite database in its data dir`);
    }
    const node = { ...hub, http: `http://127.0.0.1:${hub.httpPort}` };
    this.nodes.push(node);
    return node;
  }

  async stop() {
    for (const n of this.nodes.splice(0).reverse()) await n.stop();
  }
}
