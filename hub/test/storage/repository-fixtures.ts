import type { Alert } from '@shopwatch/protocols';
import type {
  NewAlert,
  NewEvent,
  ProvisionedDeviceRecord,
  Renderer,
  Repository,
  SchemeRecord,
  UserRecord,
} from '../../src/storage/repository';

/** What a contract test gets: the repository under test, and a way to close and open it again. */
export type Ctx = () => { repo: Repository; reopen: () => Promise<Repository> };

export const SCHEME: SchemeRecord = {
  id: 'town',
  name: 'Town',
  settings: {
    escalationSeconds: 60,
    catchUpHours: 24,
    galleryDays: { known: 365, 'id-sought': 90 },
    liveViewMembers: false,
  },
  zones: [
    { id: 'north', name: 'North' },
    { id: 'south', name: 'South' },
  ],
  stores: [
    { id: 'baker', name: 'Baker', zone: 'north', plan: { x: 12.5, y: 40 } },
    { id: 'chemist', name: 'Chemist', zone: 'south', plan: null },
  ],
};

export const user = (username: string, over: Partial<UserRecord> = {}): UserRecord => ({
  username,
  passwordHash: `hash-${username}`,
  role: 'member',
  scheme: 'town',
  store: 'baker',
  displayName: null,
  passwordDigest: null,
  ...over,
});

export const device = (id: string, over: Partial<ProvisionedDeviceRecord> = {}): ProvisionedDeviceRecord => ({
  id,
  kind: 'radio',
  scheme: 'town',
  store: 'baker',
  duty: 'store',
  name: `Radio ${id}`,
  secretHash: `secret-${id}`,
  ...over,
});

export const newAlert = (id: string, over: Partial<NewAlert> = {}): NewAlert => ({
  id,
  scheme: 'town',
  zone: 'north',
  store: 'baker',
  type: 'shoplifting',
  severity: 'high',
  message: 'two men, grey hoodies',
  subjectId: null,
  clientRef: `ref-${id}`,
  raisedBy: { kind: 'device', id: 'r1' },
  raisedAt: '2026-11-30T10:00:00.000Z',
  status: 'open',
  escalatesAt: '2026-11-30T10:01:00.000Z',
  priority: false,
  closedAt: null,
  outcome: null,
  ...over,
});

export const raised = (a: NewAlert): NewEvent => ({ kind: 'raised', at: a.raisedAt, actor: a.raisedBy });

/** Renders what the live subscribers would see: the event kind, its seq and the alert after it. */
export const render: Renderer = (alert, e) =>
  JSON.stringify({ event: e.kind, seq: e.seq, status: alert.status, steps: alert.timeline.length });

export async function raise(repo: Repository, id: string, over: Partial<NewAlert> = {}): Promise<Alert> {
  const a = newAlert(id, over);
  return (await repo.createAlert(a, raised(a), render)).alert;
}
