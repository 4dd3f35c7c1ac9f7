import { receiptStatement } from '../src/storage/postgres/receipt-statement';

/**
 * Statement forms of the receipt batch compared by receipts-pg.ts: `json` is the form before
 * arrays (jsonb_to_recordset, newest seq per row), `arrays` the same with arrays, `jsonOnce` the
 * JSON form with the newest seq once per alert, `noAnswerJoin` the hub's form without the LEFT
 * JOIN of RETURNING (wrong answers: for the cost only), `jsonSplit` the hub's form unnamed,
 * `arraysSplit` the hub's form with one array a column as input, `hub` what the hub runs.
 */
export interface Row {
  deviceId: string;
  alertId: string;
  scheme: string;
  zones: string[] | null;
  seq: number | null;
  at: string;
}
export type Form = (rows: Row[]) => { text: string; values: unknown[]; name?: string };

const UPSERT = `INSERT INTO receipts (device_id, alert_id, last_seq, at)
    SELECT device, alert, up_to, at FROM v ORDER BY device, alert
    ON CONFLICT (device_id, alert_id) DO UPDATE SET last_seq = excluded.last_seq, at = excluded.at
    WHERE excluded.last_seq > receipts.last_seq
    RETURNING device_id, alert_id`;
const ANSWER = `SELECT v.i, v.scheme, v.zone, v.up_to, w.device_id IS NOT NULL AS advanced
  FROM v LEFT JOIN w ON w.device_id = v.device AND w.alert_id = v.alert`;

const JSON_SQL = `
  WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(i int, device text, alert text, scheme text, zones jsonb, seq bigint, at text)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, m.seq), m.seq) AS up_to
    FROM t
    JOIN alerts a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones ? a.zone)
    CROSS JOIN LATERAL (SELECT COALESCE(MAX(e.seq), 0) AS seq FROM alert_events e WHERE e.alert_id = a.id) m
  ), w AS (${UPSERT})
  ${ANSWER}`;

const json: Form = (rows) => ({
  text: JSON_SQL,
  values: [
    JSON.stringify(
      rows.map((r, i) => ({
        i,
        device: r.deviceId,
        alert: r.alertId,
        scheme: r.scheme,
        zones: r.zones,
        seq: r.seq,
        at: r.at,
      })),
    ),
  ],
});

const UNNEST = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
      WITH ORDINALITY AS t(device, alert, scheme, zones, seq, at, i)`;
const arrayValues = (rows: Row[]) => [
  rows.map((r) => r.deviceId),
  rows.map((r) => r.alertId),
  rows.map((r) => r.scheme),
  rows.map((r) => (r.zones ? JSON.stringify(r.zones) : null)),
  rows.map((r) => r.seq),
  rows.map((r) => r.at),
];

const ARRAYS_SQL = `
  WITH t AS (${UNNEST}), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, m.seq), m.seq) AS up_to
    FROM t
    JOIN alerts a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones::jsonb ? a.zone)
    CROSS JOIN LATERAL (SELECT COALESCE(MAX(e.seq), 0) AS seq FROM alert_events e WHERE e.alert_id = a.id) m
  ), w AS (${UPSERT})
  ${ANSWER}`;
const arrays: Form = (rows) => ({ text: ARRAYS_SQL, values: arrayValues(rows) });

const JSON_ONCE_SQL = `
  WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(i int, device text, alert text, scheme text, zones jsonb, seq bigint, at text)
  ), a AS MATERIALIZED (
    SELECT a.id, a.scheme, a.zone, a.priority,
      (SELECT COALESCE(MAX(e.seq), 0) FROM alert_events e WHERE e.alert_id = a.id) AS newest
    FROM alerts a WHERE a.id IN (SELECT DISTINCT alert FROM t)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, a.newest), a.newest) AS up_to
    FROM t
    JOIN a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones ? a.zone)
  ), w AS (${UPSERT})
  ${ANSWER}`;
const jsonOnce: Form = (rows) => ({ text: JSON_ONCE_SQL, values: json(rows).values });

// No answer join: v's rows and w's keys come back as separate rows, matched by the caller.
const SPLIT_SQL = `
  WITH t AS (${UNNEST}), a AS MATERIALIZED (
    SELECT a.id, a.scheme, a.zone, a.priority,
      (SELECT COALESCE(MAX(e.seq), 0) FROM alert_events e WHERE e.alert_id = a.id) AS newest
    FROM alerts a WHERE a.id IN (SELECT DISTINCT alert FROM t)
  ), v AS (
    SELECT t.i, t.device, t.alert, t.at, a.scheme, a.zone, LEAST(COALESCE(t.seq, a.newest), a.newest) AS up_to
    FROM t
    JOIN a ON a.id = t.alert AND a.scheme = t.scheme
      AND (t.zones IS NULL OR a.priority <> 0 OR t.zones::jsonb ? a.zone)
  ), w AS (${UPSERT})
  SELECT v.i, v.scheme, v.zone, v.up_to, true AS advanced FROM v`;
const noAnswerJoin: Form = (rows) => ({ text: SPLIT_SQL, values: arrayValues(rows) });

// The hub's statement with a JSONB document as its input instead of arrays.
const JSON_SPLIT_SQL = JSON_ONCE_SQL.replace(
  /SELECT v\.i, v\.scheme, v\.zone, v\.up_to, w\.device_id IS NOT NULL AS advanced[^`]*$/,
  `SELECT v.i, v.scheme, v.zone, v.up_to, NULL::text AS device, NULL::text AS alert FROM v
  UNION ALL SELECT NULL, NULL, NULL, NULL, w.device_id, w.alert_id FROM w`,
);
const jsonSplit: Form = (rows) => ({ text: JSON_SPLIT_SQL, values: json(rows).values });

// The hub's statement with one array a column as its input instead of JSONB.
const ARRAYS_SPLIT_SQL = JSON_SPLIT_SQL.replace(/SELECT \* FROM jsonb_to_recordset[^)]*\)[^)]*\)/, UNNEST).replace(
  't.zones ? a.zone',
  't.zones::jsonb ? a.zone',
);
const arraysSplit: Form = (rows) => ({
  text: ARRAYS_SPLIT_SQL,
  values: arrayValues(rows),
  name: 'receipts-arrays-split',
});

const hub: Form = (rows) => {
  const q = receiptStatement(rows.map((r) => ({ from: r, alertId: r.alertId, seq: r.seq, at: r.at })));
  return { text: q.text, values: q.values ?? [], name: q.name };
};

export const RECEIPT_STATEMENTS: Record<string, Form> = {
  json,
  jsonOnce,
  arrays,
  noAnswerJoin,
  jsonSplit,
  arraysSplit,
  hub,
};
