import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { ProvisioningInput } from '@shopwatch/protocols';
import { type TestHaproxy, startHaproxy } from '../../../hub/test/support/haproxy';
import { tempDir, writeSeed } from '../../../hub/test/support/hub';
import { type TestPostgres, startPostgres } from '../../../hub/test/support/postgres';
import { type TestRedis, startRedis } from '../../../hub/test/support/redis';
import { exitOf, freePorts, spawnReplica, waitReady } from './replica';

export interface Replica {
  name: string;
  host: string;
  mqttPort: number;
  httpPort: number;
  proc: ChildProcess;
}

export interface ClusterOptions {
  replicas?: number;
  provisioning: ProvisioningInput;
  /** SHOPWATCH_DRAIN_SECONDS of every replica (0: a stop is immediate). */
  drainSeconds?: number;
  /** More environment for every replica. */
  env?: Record<string, string>;
  /** HAProxy's maxconn (it needs ~2 file descriptors per connection: the limit here is 20,000). */
  haproxyMaxconn?: number;
  /** HAProxy processes on the same ports, each with its own descriptors (support/haproxy.ts). */
  haproxyProcesses?: number;
}

/**
 * Cluster mode as deployed (issue 14), from Debian binaries in temp dirs on free ports:
 * PostgreSQL (the store of record), redis-server (brokers and bus joined), N hub replicas as
 * child processes sharing one data directory (a shared mount in production), and HAProxy in
 * front with the generated configuration. Devices and browsers connect through `haproxy`.
 */
export class TestHubCluster {
  readonly replicas: Replica[] = [];
  readonly dataDir = tempDir('shopwatch-cluster-');
  readonly seed: string;
  private env: Record<string, string> = {};

  private constructor(
    readonly pg: TestPostgres,
    readonly redis: TestRedis,
    opts: ClusterOptions,
  ) {
    this.seed = writeSeed(this.dataDir, opts.provisioning);
  }
  haproxy!: TestHaproxy;

  static async start(opts: ClusterOptions): Promise<TestHubCluster> {
    const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const cluster = new TestHubCluster(pg, redis, opts);
    cluster.env = {
      SHOPWATCH_DATABASE_URL: pg.url,
      SHOPWATCH_REDIS_URL: redis.url,
      SHOPWATCH_DRAIN_SECONDS: String(opts.drainSeconds ?? 0),
      // Load tests measure the raise path, not the per-device raise limit.
      SHOPWATCH_RAISES_PER_MINUTE: '1000000',
      ...opts.env,
    };
    const n = opts.replicas ?? 3;
    const ports = await freePorts(2 * n);
    for (let i = 0; i < n; i++) {
      const name = `hub-${i + 1}`;
      const r = { name, host: '127.0.0.1', mqttPort: ports[2 * i]!, httpPort: ports[2 * i + 1]! };
      cluster.replicas.push({ ...r, proc: null as unknown as ChildProcess });
    }
    try {
      // The first replica migrates the database and makes the keys in the shared data dir.
      await cluster.startReplica(0);
      await Promise.all(cluster.replicas.slice(1).map((_, i) => cluster.startReplica(i + 1)));
      const front = { maxconn: opts.haproxyMaxconn ?? 4000, processes: opts.haproxyProcesses };
      cluster.haproxy = await startHaproxy(cluster.replicas, front);
      await cluster.waitInRotation();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts (or starts again, on the same ports and node id) replica `i` and waits until it is ready. */
  async startReplica(i: number) {
    const r = this.replicas[i]!;
    r.proc = spawnReplica({
      dataDir: this.dataDir,
      seed: this.seed,
      mqttPort: r.mqttPort,
      httpPort: r.httpPort,
      nodeId: r.name,
      env: this.env,
    });
    await waitReady(r.httpPort, 90_000, r.proc);
  }

  /** Ends replica `i` with a signal and waits for the process to be gone. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL') {
    const p = this.replicas[i]!.proc;
    const exited = exitOf(p);
    p.kill(signal);
    return exited;
  }

  alive(i: number) {
    const p = this.replicas[i]!.proc;
    return p.exitCode === null && p.signalCode === null;
  }

  /** Waits until HAProxy's health checks have seen every live replica up (rise 2 x 1 s). */
  async waitInRotation() {
    await new Promise((r) => setTimeout(r, 2500));
  }

  /** `shopwatch_mqtt_clients` of each replica, read from its own /metrics (0 for a dead one). */
  async mqttClients(): Promise<number[]> {
    return Promise.all(
      this.replicas.map(async (r, i) => {
        if (!this.alive(i)) return 0;
        const text = await (await fetch(`http://127.0.0.1:${r.httpPort}/metrics`)).text();
        return Number(/^shopwatch_mqtt_clients (\d+)/m.exec(text)?.[1] ?? Number.NaN);
      }),
    );
  }

  get mqttPort() {
    return this.haproxy.mqttPort;
  }

  get http() {
    return `http://127.0.0.1:${this.haproxy.httpPort}`;
  }

  async stop() {
    for (const [i, r] of this.replicas.entries()) if (r.proc && this.alive(i)) await this.kill(i, 'SIGKILL');
    await this.haproxy?.stop();
    await this.redis.stop();
    await this.pg.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
