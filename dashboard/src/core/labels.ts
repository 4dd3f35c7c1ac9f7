import type { AckStatus, Actor, Alert, AlertType, Outcome, SchemeInfo, Severity } from '@shopwatch/protocols';

// Typed as Record<Enum, ...> so that a value added to the schema in protocols/ fails the
// type check here until it has a label, without shipping the schema code to the browser.

export const ALERT_TYPES: Record<AlertType, { label: string; short: string }> = {
  shoplifting: { label: 'Shoplifting', short: 'Theft' },
  violence: { label: 'Violence', short: 'Violence' },
  aggression: { label: 'Aggression', short: 'Aggression' },
  'known-offender': { label: 'Known offender', short: 'Offender' },
  suspicious: { label: 'Suspicious', short: 'Suspicious' },
  'gallery-match': { label: 'Gallery match', short: 'Match' },
  other: { label: 'Other', short: 'Other' },
};

/** The one-touch buttons of the field app, most urgent first, with the severity each implies. */
export const QUICK_RAISE: { type: AlertType; severity: Severity }[] = [
  { type: 'violence', severity: 'critical' },
  { type: 'aggression', severity: 'high' },
  { type: 'shoplifting', severity: 'medium' },
  { type: 'known-offender', severity: 'medium' },
  { type: 'suspicious', severity: 'low' },
  { type: 'other', severity: 'medium' },
];

export const SEVERITIES: Record<Severity, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

export const ACK_STATUSES: Record<AckStatus, { label: string; help: string }> = {
  seen: { label: 'Seen', help: 'I have seen it' },
  attending: { label: 'Attending', help: 'I am on my way' },
  unable: { label: 'Unable', help: 'I cannot attend' },
};

export const OUTCOMES: Record<Outcome, string> = {
  'all-clear': 'All clear',
  detained: 'Detained',
  'left-area': 'Left area',
  'false-alarm': 'False alarm',
};

export const keysOf = <K extends string>(r: Record<K, unknown>) => Object.keys(r) as K[];

export function actorName(a: Actor): string {
  return a.kind === 'hub' ? 'hub' : a.id;
}

export function placeOf(
  a: Pick<Alert, 'store' | 'zone'>,
  scheme: SchemeInfo | null,
): { store: string | null; zone: string } {
  const store = a.store ? (scheme?.stores.find((s) => s.id === a.store)?.name ?? a.store) : null;
  const zone = scheme?.zones.find((z) => z.id === a.zone)?.name ?? a.zone;
  return { store, zone };
}

export interface AckView {
  /** Username or device id: compares with the signed-in user. */
  who: string;
  /** Display name and ETA as people read it: "Sam Patel (ETA 2 min)". */
  label: string;
  status: AckStatus;
  at: string;
  etaMinutes: number | null;
}

/** Latest acknowledgement per person, in order: "who is attending" on every screen. */
export function acknowledgements(a: Alert): AckView[] {
  const latest = new Map<string, AckView>();
  for (const t of a.timeline) {
    if (t.kind !== 'acknowledged' || !t.status) continue;
    const who = actorName(t.actor);
    const eta = t.etaMinutes ?? null;
    const label = `${t.actorName ?? who}${eta && t.status === 'attending' ? ` (ETA ${eta} min)` : ''}`;
    latest.set(who, { who, label, status: t.status, at: t.at, etaMinutes: eta });
  }
  return [...latest.values()];
}

export function age(fromIso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d`;
}

/** Seconds left before escalation, or null when the alert does not escalate (attended, escalated, closed). */
export function countdown(a: Alert, now: number): number | null {
  if (!a.escalatesAt || a.status !== 'open') return null;
  return Math.max(0, Math.ceil((Date.parse(a.escalatesAt) - now) / 1000));
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function newClientRef(): string {
  return `web-${crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`}`;
}

/** Roles that work in the control room (the console); wardens and members use the field app. */
export { isControlRoom } from '@shopwatch/protocols';
