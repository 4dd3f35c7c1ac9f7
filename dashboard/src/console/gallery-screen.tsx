import { useState } from 'preact/hooks';
import type { Incident, PurgeStatus, Subject } from '@shopwatch/protocols';
import { useNow } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { EnrolDialog } from './enrol-dialog';
import { REASONS, STATES, STATUSES, daysLeft, livePhotos } from './gallery-labels';
import { Result, Status, day, useCanManage, useList } from './records-common';
import { SubjectPanel } from './subject-panel';

const FILTERS = ['active', 'expired', 'removed', 'all'] as const;

/** The gallery: subjects with their expiry, one subject's detail, enrolment and the purge status. */
export function GalleryScreen() {
  const manage = useCanManage();
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('all');
  const { data, error, reload } = useList<Subject>(`/api/gallery/subjects?state=${filter}`);
  const incidents = useList<Incident>(manage ? '/api/incidents' : null);
  const purges = useList<PurgeStatus>(manage ? '/api/gallery/purges' : null);
  // `?subject=` opens a subject directly (the link on a gallery-match alert).
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(location.search).get('subject'));
  const [enrol, setEnrol] = useState(false);
  const [done, setDone] = useState<{ ok: boolean; text: string } | null>(null);
  const now = useNow(60_000);
  const move = (d: number) => {
    if (!data?.length) return;
    const i = data.findIndex((s) => s.id === selected);
    setSelected(data[Math.max(0, Math.min(data.length - 1, i < 0 ? 0 : i + d))]!.id);
  };
  useHotkeys(
    {
      j: () => move(1),
      k: () => move(-1),
      ArrowDown: () => move(1),
      ArrowUp: () => move(-1),
      ...(manage ? { n: () => setEnrol(true) } : {}),
    },
    !enrol,
  );
  const changed = () => {
    reload();
    purges.reload();
  };

  return (
    <div class="gallery-screen">
      <div class="gallery-list">
        <div class="toolbar">
          {manage && (
            <button type="button" class="btn primary" onClick={() => setEnrol(true)}>
              Enrol a subject <kbd>n</kbd>
            </button>
          )}
          <fieldset class="seg group" aria-label="Show">
            {FILTERS.map((f) => (
              <button
                type="button"
                class={filter === f ? 'on' : ''}
                aria-pressed={filter === f}
                onClick={() => setFilter(f)}
              >
                {f === 'all' ? 'All' : STATES[f]}
              </button>
            ))}
          </fieldset>
          <Result r={done} />
        </div>
        <Status error={error} empty={data?.length === 0} what="gallery subjects" />
        {data && data.length > 0 && (
          <table class="records-table select-table" data-testid="records-table">
            <thead>
              <tr>
                <th scope="col">Alias</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">State</th>
                <th scope="col">Enrolled</th>
                <th scope="col">Expires / ended</th>
                <th scope="col" title="photos / templates on edge boxes">
                  Photos / templates
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((s) => (
                <tr
                  class={s.id === selected ? 'selected' : ''}
                  data-testid="subject-row"
                  data-subject-id={s.id}
                  onClick={() => setSelected(s.id)}
                >
                  <td>
                    <button
                      type="button"
                      class="linklike"
                      aria-pressed={s.id === selected}
                      onClick={() => setSelected(s.id)}
                    >
                      <b>{s.alias}</b>
                    </button>
                  </td>
                  <td>{STATUSES[s.status]}</td>
                  <td>{REASONS[s.reason]}</td>
                  <td>
                    <span class={`pill ${s.state === 'active' ? 'online' : 'offline'}`}>{STATES[s.state]}</span>
                  </td>
                  <td>
                    <span class="nowrap">{day(s.enrolledAt)}</span> <span class="muted">by {s.enrolledBy}</span>
                  </td>
                  <td>
                    {s.state === 'active' ? (
                      <>
                        <span class="nowrap">{day(s.expiresAt)}</span>{' '}
                        <span class="muted nowrap">in {daysLeft(s.expiresAt, now)} d</span>
                      </>
                    ) : (
                      (s.endedReason ?? '')
                    )}
                  </td>
                  <td>
                    <span class="nowrap">
                      {livePhotos(s).length} / {s.templates}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {manage && <Purges list={purges.data} error={purges.error} />}
      </div>
      <aside class="gallery-detail" aria-label="Subject">
        {selected ? (
          <SubjectPanel id={selected} incidents={incidents.data ?? []} manage={manage} onChanged={changed} />
        ) : (
          <p class="muted">
            Choose a subject (click, or j / k) to see their photos
            {manage ? ', add a photo, link an incident or remove them' : ''}. Every view is recorded in the audit log.
          </p>
        )}
      </aside>
      {enrol && (
        <EnrolDialog
          incidents={incidents.data ?? []}
          onClose={() => setEnrol(false)}
          onDone={(s) => {
            setDone({
              ok: true,
              text: `Enrolled ${s.alias}: expires ${day(s.expiresAt)}. Add a photo to start matching.`,
            });
            setFilter('all');
            setSelected(s.id);
            changed();
          }}
        />
      )}
    </div>
  );
}

/** Each expiry or removal, and which edge boxes have not yet confirmed that they deleted the templates. */
function Purges(props: { list: PurgeStatus[] | null; error: string | null }) {
  return (
    <section class="purges" aria-labelledby="purges-title">
      <h3 id="purges-title">Purges on edge boxes</h3>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.list?.length === 0 && <p class="muted">No expiries or removals yet.</p>}
      {props.list && props.list.length > 0 && (
        <table class="records-table" data-testid="purge-table">
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">When</th>
              <th scope="col">Why</th>
              <th scope="col">Confirmed by</th>
              <th scope="col">Not yet confirmed</th>
            </tr>
          </thead>
          <tbody>
            {props.list.map((p) => (
              <tr data-testid="purge-row">
                <td>{p.alias ?? p.subjectId}</td>
                <td class="nowrap">{day(p.at)}</td>
                <td class="wrap">{p.reason}</td>
                <td>{p.confirmedBy.join(', ') || <span class="muted">none yet</span>}</td>
                <td>
                  {p.pending.length ? (
                    <span class="pill error">{p.pending.join(', ')}</span>
                  ) : (
                    <span class="pill online">all done</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
