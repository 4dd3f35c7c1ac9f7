import { useState } from 'preact/hooks';
import type { AuditEntry, Subject } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { age } from '../core/labels';
import { useNow, useStore } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { type AuditFilter, AuditFilters, NO_FILTER, auditQuery, fullTime } from './audit-filters';
import { FormDialog, Result, Status, useCanManage, useList } from './records-common';

/** Entries per page: the hub bounds a page at 500. */
const PAGE = 50;

/** What an entry says, in words: the disclosure's recipient, a purge's reason, ... */
function detailText(e: AuditEntry): string {
  const d = e.detail;
  if (!d) return '';
  if (e.action === 'disclose') return `to ${String(d.to)} (${String(d.organisation)}): ${String(d.why)}`;
  if (typeof d.reason === 'string') return d.reason;
  // An audit export names the view it took: "filter: action=disclose, subjectId=…".
  const filter = d.filter && typeof d.filter === 'object' ? Object.entries(d.filter as Record<string, unknown>) : null;
  const taken = filter ? `; filter: ${filter.map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'none'}` : '';
  return Object.entries(d)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ')
    .concat(taken);
}

/** The hash-chained audit log; admins verify the chain, coordinators record disclosures. */
export function AuditScreen() {
  const { api, store } = useServices();
  const user = useStore(store, (s) => s.user);
  const manage = useCanManage();
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  // The `before` cursor of each page after the first: Older pushes, Newer pops.
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.at(-1);
  const { data, error, reload } = useList<AuditEntry>(`/api/audit?${auditQuery(filter, { limit: PAGE, before })}`);
  const filterBy = (f: AuditFilter) => {
    setFilter(f);
    setCursors([]);
  };
  const subjects = useList<Subject>(manage ? '/api/gallery/subjects?state=all' : null);
  const now = useNow(10_000);
  const [verify, setVerify] = useState<string | null>(null);
  const [disclose, setDisclose] = useState(false);
  const [done, setDone] = useState<{ ok: boolean; text: string } | null>(null);
  useHotkeys(manage ? { n: () => setDisclose(true) } : {}, !disclose);
  const alias = (id: string | null) => (id ? (subjects.data?.find((s) => s.id === id)?.alias ?? id) : '');
  const check = () =>
    api.get<{ ok: boolean; entries: number; reason?: string }>('/api/audit/verify').then(
      (r) =>
        setVerify(
          r.ok ? `Chain intact: ${r.entries} entries, every hash links to the one before.` : `BROKEN: ${r.reason}`,
        ),
      (e: Error) => setVerify(e.message),
    );
  return (
    <>
      <div class="toolbar">
        {manage && (
          <button type="button" class="btn primary" onClick={() => setDisclose(true)}>
            Record a disclosure <kbd>n</kbd>
          </button>
        )}
        {user?.role === 'admin' && (
          <button type="button" class="btn" onClick={() => void check()}>
            Verify the hash chain
          </button>
        )}
        <button type="button" class="btn ghost" onClick={reload}>
          Refresh
        </button>
        <a
          class="btn"
          href={`/api/audit.csv?${auditQuery(filter)}`}
          download
          data-testid="audit-csv"
          // The export is audited by the hub: show its entry once the file has been made.
          onClick={() => setTimeout(reload, 800)}
        >
          Export CSV
        </a>
        {verify && (
          <span role="status" class={verify.startsWith('BROKEN') ? 'error' : ''}>
            {verify}
          </span>
        )}
        <Result r={done} />
      </div>
      <AuditFilters value={filter} subjects={subjects.data ?? []} onChange={filterBy} />
      <Status error={error} empty={data?.length === 0} what="audit entries" />
      {data && data.length > 0 && (
        <table class="records-table audit-table" data-testid="records-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Object</th>
              <th scope="col">Subject</th>
              <th scope="col">Detail</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr data-testid="audit-row" data-action={e.action}>
                <td class="num" data-label="#">
                  {e.seq}
                </td>
                <td class="nowrap" title={e.at} data-testid="audit-when" data-label="When">
                  {fullTime(e.at)} <span class="muted">({age(e.at, now)} ago)</span>
                </td>
                <td data-label="Who">{e.actor.id}</td>
                <td data-label="Action">{e.action}</td>
                <td data-label="Object">
                  {e.object.kind}{' '}
                  <span class="muted" title={e.object.id}>
                    {e.object.id.length > 20 ? `${e.object.id.slice(0, 14)}…` : e.object.id}
                  </span>
                </td>
                <td data-label="Subject">{alias(e.subjectId)}</td>
                <td class="wrap" data-label="Detail">
                  {detailText(e)}
                </td>
                <td data-label="Hash">
                  <code>{e.hash.slice(0, 10)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Audit pages">
        <button
          type="button"
          class="btn small"
          disabled={!cursors.length}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <span data-testid="audit-page">
          Page {cursors.length + 1}
          {data && data.length > 0 ? `: entries #${data[0]!.seq} to #${data.at(-1)!.seq}` : ''}
        </span>
        <button
          type="button"
          class="btn small"
          // A full page may have more behind it; a short one is the last.
          disabled={!data || data.length < PAGE}
          onClick={() => data && setCursors([...cursors, data.at(-1)!.seq])}
        >
          Older
        </button>
      </nav>
      {disclose && (
        <DisclosureDialog
          subjects={subjects.data ?? []}
          onClose={() => setDisclose(false)}
          onDone={(e) => {
            setDone({ ok: true, text: `Disclosure recorded as audit entry #${e.seq}.` });
            reload();
          }}
        />
      )}
    </>
  );
}

function DisclosureDialog(props: { subjects: Subject[]; onClose: () => void; onDone: (e: AuditEntry) => void }) {
  const { api } = useServices();
  const [subjectId, setSubjectId] = useState('');
  const [to, setTo] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [why, setWhy] = useState('');
  const submit = async () => {
    if (!subjectId) throw new Error('choose whose data was disclosed');
    props.onDone(
      await api.post<AuditEntry>('/api/audit/disclosures', {
        subjectId,
        to: to.trim(),
        organisation: organisation.trim(),
        why: why.trim(),
      }),
    );
  };
  return (
    <FormDialog title="Record a disclosure" submit="Record disclosure" onSubmit={submit} onClose={props.onClose}>
      <p class="hint">Gallery data that left the scheme: whose, to whom and why.</p>
      <label>
        Subject
        {/* biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts */}
        <select value={subjectId} onChange={(e) => setSubjectId(e.currentTarget.value)} autoFocus required>
          <option value="">Choose…</option>
          {props.subjects.map((s) => (
            <option value={s.id}>
              {s.alias}
              {s.state === 'active' ? '' : ` (${s.state})`}
            </option>
          ))}
        </select>
      </label>
      <label>
        To whom
        <input
          value={to}
          onInput={(e) => setTo(e.currentTarget.value)}
          required
          minLength={2}
          maxLength={200}
          placeholder="e.g. PC 1234 Jones"
        />
      </label>
      <label>
        Organisation
        <input
          value={organisation}
          onInput={(e) => setOrganisation(e.currentTarget.value)}
          required
          minLength={2}
          maxLength={200}
          placeholder="e.g. Town Police"
        />
      </label>
      <label>
        Why
        <textarea
          rows={3}
          value={why}
          onInput={(e) => setWhy(e.currentTarget.value)}
          required
          minLength={5}
          maxLength={2000}
        />
      </label>
    </FormDialog>
  );
}
