import { useEffect, useState } from 'preact/hooks';
import type { Subject } from '@shopwatch/protocols';

/** The audit viewer's filters as the user picked them: dates are local calendar days. */
export interface AuditFilter {
  actor: string;
  action: string;
  subjectId: string;
  /** `yyyy-mm-dd`, the first day shown. */
  from: string;
  /** `yyyy-mm-dd`, the last day shown (inclusive). */
  to: string;
}

export const NO_FILTER: AuditFilter = { actor: '', action: '', subjectId: '', from: '', to: '' };

/** The values of `AuditAction` (protocols), in words; kept here so zod stays out of the main bundle. */
const ACTIONS: Record<string, string> = {
  view: 'Viewed',
  export: 'Exported',
  disclose: 'Disclosed',
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  decide: 'Decided',
  purge: 'Purged',
};

/** Start of a local calendar day as an instant; `days` later for the exclusive end of a range. */
const dayStart = (ymd: string, days = 0) => {
  const d = new Date(`${ymd}T00:00:00`);
  d.setDate(d.getDate() + days);
  return d.toISOString();
};

/**
 * The query string of `GET /api/audit` and `/api/audit.csv` for a filter. The user's days are
 * turned into instants of their own time zone here, so "30 Nov" means their 30 Nov.
 */
export function auditQuery(f: AuditFilter, extra: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.action) q.set('action', f.action);
  if (f.subjectId) q.set('subjectId', f.subjectId);
  if (f.from) q.set('from', dayStart(f.from));
  if (f.to) q.set('to', dayStart(f.to, 1));
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
}

/** A time with its date, always: an audit record is read days or months later. */
export const fullTime = (iso: string) =>
  new Date(iso).toLocaleString('en-GB', {
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** Who, what, whose data and which days; every change applies at once (the list pages from its start). */
export function AuditFilters(props: { value: AuditFilter; subjects: Subject[]; onChange: (f: AuditFilter) => void }) {
  const f = props.value;
  const set = (k: keyof AuditFilter) => (e: Event) =>
    props.onChange({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const active = Object.values(f).some((v) => v !== '');
  // What is typed in Who is the user's own until they apply it: the list re-renders whenever a
  // page arrives, and a controlled input would put the applied value back over their typing.
  const [who, setWho] = useState(f.actor);
  useEffect(() => setWho(f.actor), [f.actor]);
  return (
    <search aria-label="Filter the audit log">
      <form
        class="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          props.onChange({ ...f, actor: who });
        }}
      >
        <label>
          Who
          <input
            name="actor"
            value={who}
            onInput={(e) => setWho(e.currentTarget.value)}
            onChange={set('actor')}
            placeholder="username"
            maxLength={64}
          />
        </label>
        <label>
          What
          <select value={f.action} onChange={set('action')}>
            <option value="">Any action</option>
            {Object.entries(ACTIONS).map(([v, label]) => (
              <option value={v}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          Subject
          <select value={f.subjectId} onChange={set('subjectId')}>
            <option value="">Anyone</option>
            {props.subjects.map((s) => (
              <option value={s.id}>{s.alias}</option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={f.from} onChange={set('from')} />
        </label>
        <label>
          To
          <input type="date" value={f.to} onChange={set('to')} />
        </label>
        <button type="submit" class="btn small">
          Apply
        </button>
        {active && (
          <button type="button" class="btn ghost small" onClick={() => props.onChange(NO_FILTER)}>
            Clear filters
          </button>
        )}
      </form>
    </search>
  );
}
