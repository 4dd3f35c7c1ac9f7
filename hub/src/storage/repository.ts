import type {
  Actor,
  Alert,
  AlertEvent,
  CameraStatus,
  DeviceDuty,
  DeviceKind,
  Role,
  SchemeSettings,
  Delivery,
} from '@shopwatch/protocols';

export interface SchemeRecord {
  id: string;
  name: string;
  settings: SchemeSettings;
  zones: { id: string; name: string }[];
  stores: { id: string; name: string; zone: string; plan: { x: number; y: number } | null }[];
}

export interface UserRecord {
  username: string;
  passwordHash: string;
  role: Role;
  scheme: string;
  store: string | null;
  displayName: string | null;
  /** Keyed digest of the provisioned password (see auth/device-secrets.ts); null before migration 4. */
  passwordDigest?: string | null;
}

export interface DeviceRecord {
  id: string;
  kind: DeviceKind;
  scheme: string;
  store: string | null;
  duty: DeviceDuty;
  name: string | null;
  secretHash: string;
  sinceSeq: number;
  lastSeen: string | null;
  /** Set when re-provisioning removed the device: it can no longer connect. */
  disabledAt: string | null;
}

/** What provisioning writes about a device. */
export type ProvisionedDeviceRecord = Omit<DeviceRecord, 'sinceSeq' | 'lastSeen' | 'disabledAt'>;

/** One open MQTT connection of a device, held by one hub node. */
export interface OpenConnection {
  nodeId: string;
  connectionId: string;
  deviceId: string;
  openedAt: string;
}

export interface SessionRecord {
  username: string;
  expiresAt: string;
}

/** One step of an alert as stored; `payload` is the JSON that was published for it. */
export interface EventRecord {
  seq: number;
  alertId: string;
  scheme: string;
  zone: string;
  scope: 'zone' | 'scheme';
  kind: AlertEvent['event'];
  at: string;
  payload: string;
}

export interface NewEvent {
  kind: AlertEvent['event'];
  at: string;
  actor: Actor;
  status?: string;
  outcome?: string;
  note?: string;
  actorName?: string;
  etaMinutes?: number;
}

export type NewAlert = Omit<Alert, 'timeline'>;
export type AlertPatch = Partial<Pick<Alert, 'status' | 'escalatesAt' | 'priority' | 'closedAt' | 'outcome'>>;

export interface AlertFilter {
  scheme: string;
  zones?: string[] | null; // what the reader may see; null: every zone
  /** Only alerts after this (raised_at, id) position in newest-first order: the paging cursor. */
  before?: { raisedAt: string; id: string };
  zone?: string; // only alerts of this zone
  status?: 'open' | 'escalated' | 'closed' | 'active';
  since?: string;
  limit: number;
}

/**
 * Everything the hub keeps. The methods are async so that a PostgreSQL implementation can be
 * dropped in for a deployment that outgrows one SQLite file; the SQLite one answers at once.
 * Each alert-changing method stores the alert change and its event in one transaction and
 * returns the event's published JSON, built by `render` inside that transaction.
 */
export interface Repository {
  upsertScheme(s: SchemeRecord): Promise<void>;
  getScheme(id: string): Promise<SchemeRecord | null>;
  listSchemes(): Promise<SchemeRecord[]>;

  upsertUser(u: UserRecord): Promise<void>;
  /** Case-insensitive: "ADMIN" finds "admin". */
  getUser(username: string): Promise<UserRecord | null>;
  /** Every user, for re-provisioning to compare against (one query, not one per user). */
  listUsers(): Promise<UserRecord[]>;
  /** Deletes users and every session of theirs, in one transaction. */
  removeUsers(usernames: string[]): Promise<void>;

  upsertDevice(d: ProvisionedDeviceRecord): Promise<void>;
  /** Writes many devices in one transaction (one fsync for a whole fleet); re-enables revoked ones. */
  upsertDevices(list: ProvisionedDeviceRecord[]): Promise<void>;
  getDevice(id: string): Promise<DeviceRecord | null>;
  /** Devices that may connect (not revoked). */
  listDevices(scheme: string): Promise<DeviceRecord[]>;
  /** Every device of every scheme, revoked ones included. */
  listAllDevices(): Promise<DeviceRecord[]>;
  disableDevices(ids: string[], at: string): Promise<void>;
  revokedDeviceIds(): Promise<string[]>;
  /** A counter every provisioning apply bumps (so other processes notice); 0 before the first. */
  provisioningGeneration(): Promise<number>;
  bumpProvisioningGeneration(at: string): Promise<number>;
  touchDevice(id: string, at: string): Promise<void>;

  /**
   * Open device connections of every hub node (presence). `openConnection` and `closeConnection`
   * return the device's connections over all nodes after the change, counted in the same
   * transaction, so that only its first connection anywhere turns it online.
   */
  openConnection(c: OpenConnection): Promise<number>;
  closeConnection(nodeId: string, connectionId: string, deviceId: string): Promise<number>;
  /** Deletes a node's rows left by a crash (called by the node itself at start); returns how many. */
  clearNodeConnections(nodeId: string): Promise<number>;
  connectionCount(deviceId: string): Promise<number>;

  createSession(tokenHash: string, username: string, createdAt: string, expiresAt: string): Promise<void>;
  getSession(tokenHash: string, now: string): Promise<SessionRecord | null>;
  /** Logout: the stored hash is deleted, so the token is dead even if a copy survives somewhere. */
  deleteSession(tokenHash: string): Promise<void>;

  createAlert(alert: NewAlert, event: NewEvent, render: Renderer): Promise<{ alert: Alert; event: EventRecord }>;
  updateAlert(
    alertId: string,
    patch: AlertPatch,
    event: NewEvent,
    render: Renderer,
  ): Promise<{ alert: Alert; event: EventRecord }>;
  /**
   * `updateAlert`, but only if the alert's escalation is still due at `now` (escalates_at set and
   * not after `now`), checked and written in one transaction; null if it is not (someone attends,
   * it closed, or another hub node escalated it first). This claim makes an escalation happen
   * once even when two nodes run the escalation job at the same moment.
   */
  updateAlertIfDue(
    alertId: string,
    now: string,
    patch: AlertPatch,
    event: NewEvent,
    render: Renderer,
  ): Promise<{ alert: Alert; event: EventRecord } | null>;
  findAlertByClientRef(scheme: string, actor: Actor, clientRef: string): Promise<Alert | null>;
  getAlert(id: string): Promise<Alert | null>;
  listAlerts(filter: AlertFilter): Promise<Alert[]>;
  /** One page of alerts without timelines (the listing loads those per alert, a few at a time). */
  pageAlerts(filter: AlertFilter): Promise<NewAlert[]>;
  timelines(alertIds: string[]): Promise<Map<string, Alert['timeline']>>;
  /** Alerts whose escalation time has come (or the next one due when `now` is null). */
  dueEscalations(now: string): Promise<Alert[]>;
  nextEscalationAt(): Promise<string | null>;

  /** Records that a device confirmed an alert's events up to `seq`; false if it had already. */
  recordReceipt(deviceId: string, alertId: string, seq: number, at: string): Promise<boolean>;
  /**
   * A device's receipt in one step: the alert must exist and be visible to the sender, `seq` is
   * capped at the alert's newest event (null: all of them), and the receipt moves only forward.
   * Null, and nothing written, when the alert is unknown or not the sender's to see.
   */
  recordVisibleReceipt(
    from: ReceiptSender,
    alertId: string,
    seq: number | null,
    at: string,
  ): Promise<ReceiptTaken | null>;
  deliveries(alertIds: string[]): Promise<Map<string, Delivery[]>>;
  latestEventSeq(alertId: string): Promise<number | null>;
  /** Events a device has not confirmed, oldest first: the catch-up. */
  unconfirmedEvents(device: DeviceRecord, zones: string[], since: string): Promise<EventRecord[]>;
  maxSeq(): Promise<number>;

  upsertCamera(c: CameraStatus): Promise<void>;
  listCameras(scheme: string): Promise<CameraStatus[]>;

  close(): void;
}

/**
 * Who sends a receipt and which alerts it sees: AlertService's visibility rule as data, so the
 * check can run inside the write. Priority (scheme-wide) alerts are seen by every sender.
 */
export interface ReceiptSender {
  deviceId: string;
  scheme: string;
  /** Zones whose alerts it sees; null: every zone of its scheme. */
  zones: string[] | null;
}

/** A receipt taken: where its alert is, the seq now confirmed, and whether that moved forward. */
export interface ReceiptTaken {
  scheme: string;
  zone: string;
  seq: number;
  advanced: boolean;
}

/** Builds the published event JSON from the alert as it stands after the change. */
export type Renderer = (alert: Alert, event: Omit<EventRecord, 'payload'>) => string;
