import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, Exclusion, Incident, Subject } from '@shopwatch/protocols';
import { ApiError } from '../core/api';
import { useServices } from '../core/context';
import { age, clock } from '../core/labels';
import { useNow, useStore } from '../core/store';

export const RECORDS = [
  { id: 'gallery', label: 'Gallery' },
  { id: 'incidents', label: 'Incidents' },
  { id: 'exclusions', label: 'Exclusions' },
  { id: 'audit', label: 'Audit' },
] as const;
export type RecordsId = (typeof RECORDS)[number]['id'];

const PATHS: Record<RecordsId, string> = {
  gallery: '/api/gallery/subjects?state=all',
  incidents: '/api/incidents',
  exclusions: '/api/exclusions',
  audit: '/api/audit?limit=200',
};

function useList<T>(path: string): { data: T[] | null; error: string | null; reload: () => void } {
  const { api } = useServices();
  const [n, setN] = useState(0);
  const [state, setState] = useState<{ data: T[] | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null });
    api.get<T[]>(path).then(
      (data) => live && setState({ data, error: null }),
      (e: Error) => live && setState({ data: null, error: e instanceof ApiError && e.status === 403 ? `Not for your role: ${e.message}` : e.message }),
    );
    return () => {
      live = false;
    };
  }, [path, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

const day = (iso: string) => new Date(iso).toLocaleDateString('en-GB', { day: '2-digit', month: 'short', year: 'numeric' });

/**
 * Read-only views of the hub's gallery, incident, exclusion and audit records. Opening each
 * list is itself audited by the hub. Enrolment, removal, exclusion decisions and disclosures
 * are not in the dashboard yet (use the hub API or CLI).
 */
export function RecordsScreen(props: { id: RecordsId }) {
  const label = RECORDS.find((r) => r.id === props.id)!.label;
  return (
    <section class="records" aria-labelledby="rec-title">
      <div class="toolbar">
        <h2 id="rec-title">{label}</h2>
        <span class="muted">Read-only here for now; every opening of this list is recorded in the audit log.</span>
      </div>
      {props.id === 'gallery' ? <Gallery /> : props.id === 'incidents' ? <Incidents /> : props.id === 'exclusions' ? <Exclusions /> : <Audit />}
    </section>
  );
}

function Status(props: { error: string | null; empty: boolean; what: string }) {
  if (props.error)
    return (
      <p class="error" role="alert">
        {props.error}
      </p>
    );
  return props.empty ? <p class="empty">No {props.what} yet.</p> : null;
}

function Gallery() {
  const { data, error } = useList<Subject>(PATHS.gallery);
  const now = useNow(60_000);
  return (
    <>
      <Status error={error} empty={data?.length === 0} what="gallery subjects" />
      {data && data.length > 0 && (
        <table class="records-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">Alias</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
              <th scope="col">Enrolled</th>
              <th scope="col">Expires</th>
              <th scope="col">Photos</th>
            </tr>
          </thead>
          <tbody>
            {data.map((s) => (
              <tr>
                <td>
                  <b>{s.alias}</b>
                </td>
                <td>{s.status === 'id-sought' ? 'identity sought' : 'known'}</td>
                <td>{s.reason.replace(/-/g, ' ')}</td>
                <td>
                  <span class={`pill ${s.state === 'active' ? 'online' : 'offline'}`}>{s.state}</span>
                </td>
                <td>
                  {day(s.enrolledAt)} <span class="muted">by {s.enrolledBy}</span>
                </td>
                <td>{s.state === 'active' ? `${day(s.expiresAt)} (in ${Math.max(0, Math.round((Date.parse(s.expiresAt) - now) / 86400_000))} d)` : (s.endedReason ?? '')}</td>
                <td>
                  {s.photos.filter((p) => !p.deleted).length} <span class="muted">/ {s.templates} templates</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Incidents() {
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const { data, error } = useList<Incident>(PATHS.incidents);
  return (
    <>
      <Status error={error} empty={data?.length === 0} what="incidents" />
      {data && data.length > 0 && (
        <table class="records-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Store</th>
              <th scope="col">Description</th>
              <th scope="col">Value</th>
              <th scope="col">Statement</th>
              <th scope="col">Reported by</th>
            </tr>
          </thead>
          <tbody>
            {data.map((i) => (
              <tr>
                <td class="nowrap">
                  {day(i.occurredAt)} {clock(i.occurredAt)}
                </td>
                <td>{i.type.replace(/-/g, ' ')}</td>
                <td>{i.store ? (scheme?.stores.find((s) => s.id === i.store)?.name ?? i.store) : <span class="muted">none</span>}</td>
                <td class="wrap">
                  {i.description}
                  {i.alertId && <span class="tag">from an alert</span>}
                </td>
                <td class="num">{i.valuePence === null ? '' : `£${(i.valuePence / 100).toFixed(2)}`}</td>
                <td>{i.statement ? 'yes' : <span class="muted">no</span>}</td>
                <td>{i.reporter}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Exclusions() {
  const { data, error } = useList<Exclusion>(PATHS.exclusions);
  return (
    <>
      <Status error={error} empty={data?.length === 0} what="exclusion notices" />
      {data && data.length > 0 && (
        <table class="records-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Where</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Status</th>
              <th scope="col">Decided by</th>
              <th scope="col">Appeals / reviews</th>
            </tr>
          </thead>
          <tbody>
            {data.map((x) => (
              <tr>
                <td>{x.subjectId}</td>
                <td>{[...x.stores, ...x.zones.map((z) => `zone ${z}`)].join(', ') || 'whole scheme'}</td>
                <td>{day(x.startsAt)}</td>
                <td>{day(x.endsAt)}</td>
                <td>
                  <span class={`pill ${x.status === 'active' ? 'online' : 'offline'}`}>{x.status}</span>
                </td>
                <td>{x.decidedBy}</td>
                <td>{x.events.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Audit() {
  const { api, store } = useServices();
  const user = useStore(store, (s) => s.user);
  const { data, error, reload } = useList<AuditEntry>(PATHS.audit);
  const now = useNow(10_000);
  const [verify, setVerify] = useState<string | null>(null);
  const check = () =>
    api.get<{ ok: boolean; entries: number; reason?: string }>('/api/audit/verify').then(
      (r) => setVerify(r.ok ? `Chain intact: ${r.entries} entries, every hash links to the one before.` : `BROKEN: ${r.reason}`),
      (e: Error) => setVerify(e.message),
    );
  return (
    <>
      <div class="toolbar">
        {user?.role === 'admin' && (
          <button class="btn" onClick={() => void check()}>
            Verify the hash chain
          </button>
        )}
        <button class="btn ghost" onClick={reload}>
          Refresh
        </button>
        {verify && (
          <span role="status" class={verify.startsWith('BROKEN') ? 'error' : ''}>
            {verify}
          </span>
        )}
      </div>
      <Status error={error} empty={data?.length === 0} what="audit entries" />
      {data && data.length > 0 && (
        <table class="records-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Subject</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr>
                <td class="num">{e.seq}</td>
                <td class="nowrap" title={e.at}>
                  {clock(e.at)} <span class="muted">({age(e.at, now)} ago)</span>
                </td>
                <td>{e.actor.id}</td>
                <td>{e.action}</td>
                <td>
                  {e.object.kind} <span class="muted">{e.object.id}</span>
                </td>
                <td>{e.subjectId ?? ''}</td>
                <td>
                  <code>{e.hash.slice(0, 10)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
