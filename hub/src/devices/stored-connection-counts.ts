import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Repository } from '../storage/repository';
import type { ConnectionCounts } from './presence';

export type ConnectionStore = Pick<
  Repository,
  'openConnection' | 'closeConnection' | 'clearNodeConnections' | 'connectionCount'
>;

/**
 * Connection counts kept in storage (one row per open connection, tagged with this hub node's
 * id), so that any node sharing the store can tell whether a device is connected anywhere.
 *
 * A node that crashed left its rows behind: `start()` deletes them before the node accepts a
 * connection, so a device that did not come back is not kept online by a stale row. A node that
 * stays down while others run has its rows dropped by a surviving node once its heartbeat runs
 * out (`clearNode`, called from cluster/redis-nodes.ts).
 */
export class StoredConnectionCounts implements ConnectionCounts {
  constructor(
    private store: ConnectionStore,
    readonly nodeId: string,
  ) {}

  async start() {
    await this.store.clearNodeConnections(this.nodeId);
  }

  async clearNode(nodeId: string) {
    await this.store.clearNodeConnections(nodeId);
  }

  opened(deviceId: string, connectionId?: string) {
    const openedAt = new Date().toISOString();
    return this.store.openConnection({ nodeId: this.nodeId, connectionId: required(connectionId), deviceId, openedAt });
  }

  closed(deviceId: string, connectionId?: string) {
    return this.store.closeConnection(this.nodeId, required(connectionId), deviceId);
  }

  count(deviceId: string) {
    return this.store.connectionCount(deviceId);
  }
}

function required(connectionId: string | undefined): string {
  if (!connectionId) throw new Error('stored connection counts need the connection id');
  return connectionId;
}

const NODE_ID_FILE = 'node-id';

/**
 * This hub node's id: the `node-id` file in the data dir, created with a random UUID at the
 * first start. It survives restarts on purpose, so that a restarted node finds (and deletes)
 * the connection rows it held before a crash. Nodes sharing one PostgreSQL store each have a
 * data dir of their own, hence ids of their own.
 */
export function nodeIdOf(dataDir: string): string {
  const file = path.join(dataDir, NODE_ID_FILE);
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
