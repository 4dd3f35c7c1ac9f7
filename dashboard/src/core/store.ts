import { useEffect, useRef, useState } from 'preact/hooks';
import type {
  AlertEvent,
  AlertWithDeliveries,
  CameraStatus,
  DeviceStatus,
  DeviceSummary,
  ReviewCandidate,
  SchemeInfo,
  UserInfo,
} from '@shopwatch/protocols';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/** An alert as the dashboard holds it: the hub's view plus what this browser noticed. */
export interface AlertView extends AlertWithDeliveries {
  /** Arrived in the catch-up after a reconnection rather than live. */
  missed: boolean;
  /** When this browser first heard of it (ms), for highlighting new cards. */
  heardAt: number;
}

export interface PendingRaise {
  clientRef: string;
  label: string;
  since: number;
  error: string | null;
}

export interface State {
  user: UserInfo | null;
  scheme: SchemeInfo | null;
  alerts: ReadonlyMap<string, AlertView>;
  devices: ReadonlyMap<string, DeviceSummary>;
  /** Gallery-match candidates (control room only), kept live by `review` messages. */
  review: ReadonlyMap<string, ReviewCandidate>;
  connection: { state: ConnectionState; since: number; error: string | null; attempts: number };
  /** Raises not yet accepted by the hub (sent again with the same clientRef when it is back). */
  pending: readonly PendingRaise[];
  /** Highest event seq seen, to ignore a duplicate or stale copy of an event. */
  lastSeq: number;
}

export const initialState = (): State => ({
  user: null,
  scheme: null,
  alerts: new Map(),
  devices: new Map(),
  review: new Map(),
  connection: { state: 'connecting', since: Date.now(), error: null, attempts: 0 },
  pending: [],
  lastSeq: 0,
});

type Listener = (s: State) => void;

/** One small observable state; every change replaces the changed branch so components can compare by identity. */
export class Store {
  private listeners = new Set<Listener>();
  constructor(public state: State = initialState()) {}

  get(): State {
    return this.state;
  }

  update(fn: (s: State) => Partial<State>) {
    this.state = { ...this.state, ...fn(this.state) };
    for (const l of this.listeners) l(this.state);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Merges a list from the hub (welcome or GET /api/alerts). Returns the ids that are new to this browser. */
  mergeAlerts(list: AlertWithDeliveries[], opts: { missed?: boolean } = {}): string[] {
    const fresh: string[] = [];
    this.update((s) => {
      const alerts = new Map(s.alerts);
      let lastSeq = s.lastSeq;
      for (const a of list) {
        const prev = alerts.get(a.id);
        if (!prev) fresh.push(a.id);
        const seq = a.timeline.at(-1)?.seq ?? 0;
        lastSeq = Math.max(lastSeq, seq);
        if (prev && (prev.timeline.at(-1)?.seq ?? 0) > seq) continue;
        alerts.set(a.id, { ...a, missed: prev ? prev.missed : !!opts.missed, heardAt: prev?.heardAt ?? Date.now() });
      }
      return { alerts, lastSeq };
    });
    return fresh;
  }

  /** Applies one live alert event. Returns true when it told this browser something new. */
  applyEvent(e: AlertEvent, recipients?: string[]): boolean {
    const prev = this.state.alerts.get(e.alert.id);
    const prevSeq = prev?.timeline.at(-1)?.seq ?? 0;
    if (prev && prevSeq >= e.seq) return false;
    this.update((s) => {
      const alerts = new Map(s.alerts);
      // An event carries the alert and its timeline but not the receipts: keep those we have,
      // and count every earlier recipient as owing a receipt for the new event.
      const deliveries = prev?.deliveries ?? [];
      const confirmed = new Set(deliveries.filter((d) => d.lastSeq >= e.seq).map((d) => d.deviceId));
      const undelivered = recipients
        ? recipients.filter((id) => !confirmed.has(id))
        : prev
          ? [...new Set([...prev.undelivered, ...deliveries.map((d) => d.deviceId)])]
          : [];
      alerts.set(e.alert.id, {
        ...e.alert,
        deliveries,
        undelivered,
        missed: prev ? prev.missed : !!e.replay,
        heardAt: prev?.heardAt ?? Date.now(),
      });
      return { alerts, lastSeq: Math.max(s.lastSeq, e.seq) };
    });
    return true;
  }

  applyDelivery(alertId: string, deviceId: string, seq: number) {
    const a = this.state.alerts.get(alertId);
    if (!a) return;
    this.update((s) => {
      const alerts = new Map(s.alerts);
      const at = new Date().toISOString();
      const deliveries = [...a.deliveries.filter((d) => d.deviceId !== deviceId), { deviceId, lastSeq: seq, at }];
      const latest = a.timeline.at(-1)?.seq ?? 0;
      const undelivered = seq >= latest ? a.undelivered.filter((d) => d !== deviceId) : a.undelivered;
      alerts.set(alertId, { ...a, deliveries, undelivered });
      return { alerts };
    });
  }

  setDevices(list: DeviceSummary[]) {
    this.update(() => ({ devices: new Map(list.map((d) => [d.id, d])) }));
  }

  applyDeviceStatus(st: DeviceStatus) {
    const d = this.state.devices.get(st.deviceId);
    if (!d) return;
    this.update((s) => {
      const devices = new Map(s.devices);
      devices.set(d.id, { ...d, status: st.status, lastSeen: st.lastSeen ?? d.lastSeen });
      return { devices };
    });
  }

  applyCamera(cam: CameraStatus) {
    const d = this.state.devices.get(cam.deviceId);
    if (!d) return;
    this.update((s) => {
      const devices = new Map(s.devices);
      devices.set(d.id, {
        ...d,
        cameras: [...d.cameras.filter((c) => c.cameraId !== cam.cameraId), cam].sort((a, b) =>
          a.cameraId.localeCompare(b.cameraId),
        ),
      });
      return { devices };
    });
  }

  mergeCandidates(list: ReviewCandidate[]) {
    this.update((s) => {
      const review = new Map(s.review);
      for (const c of list) review.set(c.id, c);
      return { review };
    });
  }

  clearMissed(id: string) {
    const a = this.state.alerts.get(id);
    if (!a?.missed) return;
    this.update((s) => {
      const alerts = new Map(s.alerts);
      alerts.set(id, { ...a, missed: false });
      return { alerts };
    });
  }
}

/** Re-renders the component when the selected part of the state changes (compared by identity). */
export function useStore<T>(store: Store, select: (s: State) => T): T {
  const selectRef = useRef(select);
  selectRef.current = select;
  const value = select(store.get());
  const last = useRef(value);
  last.current = value;
  const [, force] = useState(0);
  useEffect(
    () =>
      store.subscribe((s) => {
        if (selectRef.current(s) !== last.current) force((n) => n + 1);
      }),
    [store],
  );
  return value;
}

/** The current time, refreshed every `ms`, for ages and countdowns. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
