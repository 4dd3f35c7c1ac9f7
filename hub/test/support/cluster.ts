import { loadConfig } from '../../src/config';
import { type RunningHub, startHub } from '../../src/hub';
import { tempDir, testScheme, writeSeed } from './hub';

/**
 * Hub nodes of one cluster in this test process: each its own ports and node id, all joined
 * through one Redis and sharing one store of record (here one SQLite file in WAL mode, which
 * several connections on one machine may share; a real cluster shares PostgreSQL).
 */
export class TestCluster {
  readonly dataDir = tempDir('shopwatch-cluster-');
  readonly seed = writeSeed(this.dataDir, testScheme());
  readonly nodes: (RunningHub & { http: string })[] = [];

  constructor(readonly redisUrl: string) {}

  async start(nodeId: string): Promise<RunningHub & { http: string }> {
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
      },
    );
    const hub = await startHub(config);
    const node = { ...hub, http: `http://127.0.0.1:${hub.httpPort}` };
    this.nodes.push(node);
    return node;
  }

  async stop() {
    for (const n of this.nodes.splice(0).reverse()) await n.stop();
  }
}
