import type pg from 'pg';
import type { OpenConnection } from '../repository';
import { inTransaction } from './pool';

/**
 * Open device connections on PostgreSQL. Each change takes a per-device advisory lock before it
 * counts: without it two nodes closing a device's last two connections at once would each still
 * see the other's row, and neither would turn the device offline.
 */
const DEVICE_LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';
const COUNT = 'SELECT count(*)::int AS n FROM device_connections WHERE device_id = $1';

export async function openConnection(pool: pg.Pool, c: OpenConnection): Promise<number> {
  return inTransaction(pool, async (q) => {
    await q.query(DEVICE_LOCK, [c.deviceId]);
    await q.query(
      `INSERT INTO device_connections (node_id, connection_id, device_id, opened_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (node_id, connection_id) DO NOTHING`,
      [c.nodeId, c.connectionId, c.deviceId, c.openedAt],
    );
    return (await q.query(COUNT, [c.deviceId])).rows[0].n as number;
  });
}

export async function closeConnection(pool: pg.Pool, nodeId: string, connectionId: string, deviceId: string) {
  return inTransaction(pool, async (q) => {
    await q.query(DEVICE_LOCK, [deviceId]);
    await q.query('DELETE FROM device_connections WHERE node_id = $1 AND connection_id = $2', [nodeId, connectionId]);
    return (await q.query(COUNT, [deviceId])).rows[0].n as number;
  });
}

export async function clearNodeConnections(pool: pg.Pool, nodeId: string): Promise<number> {
  return (await pool.query('DELETE FROM device_connections WHERE node_id = $1', [nodeId])).rowCount ?? 0;
}

export async function connectionCount(pool: pg.Pool, deviceId: string): Promise<number> {
  return (await pool.query(COUNT, [deviceId])).rows[0].n as number;
}
