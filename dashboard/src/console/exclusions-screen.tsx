import { useState } from 'preact/hooks';
import type { Exclusion, SchemeInfo, Subject } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { useStore } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { AppealForm, DecisionForm, IssueDialog, OUTCOME_LABELS } from './exclusion-forms';
import { Result, Status, day, useCanManage, useList } from './records-common';

const where = (x: Pick<Exclusion, 'stores' | 'zones'>, scheme: SchemeInfo | null) =>
  [
    ...x.stores.map((s) => scheme?.stores.find((y) => y.id === s)?.name ?? s),
    ...x.zones.map((z) => `zone ${scheme?.zones.find((y) => y.id === z)?.name ?? z}`),
  ].join(', ');

/** Exclusion notices: issue, record appeals and reviews, decide. */
export function ExclusionsScreen() {
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const manage = useCanManage();
  const { data, error, reload } = useList<Exclusion>('/api/exclusions');
  const subjects = useList<Subject>('/api/gallery/subjects?state=all');
  const [selected, setSelected] = useState<string | null>(null);
  const [issue, setIssue] = useState(false);
  const [done, setDone] = useState<{ ok: boolean; text: string } | null>(null);
  const alias = (id: string) => subjects.data?.find((s) => s.id === id)?.alias ?? id;
  const move = (d: number) => {
    if (!data?.length) return;
    const i = data.findIndex((x) => x.id === selected);
    setSelected(data[Math.max(0, Math.min(data.length - 1, i < 0 ? 0 : i + d))]!.id);
  };
  useHotkeys({ j: () => move(1), k: () => move(-1), ...(manage ? { n: () => setIssue(true) } : {}) }, !issue);
  const x = data?.find((e) => e.id === selected) ?? null;
  const changed = (_: Exclusion, text: string) => {
    setDone({ ok: true, text });
    reload();
  };

  return (
    <div class="gallery-screen">
      <div class="gallery-list">
        <div class="toolbar">
          {manage && (
            <button type="button" class="btn primary" onClick={() => setIssue(true)}>
              Issue a notice <kbd>n</kbd>
            </button>
          )}
          <Result r={done} />
        </div>
        <Status error={error} empty={data?.length === 0} what="exclusion notices" />
        {data && data.length > 0 && (
          <table class="records-table select-table" data-testid="records-table">
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
              {data.map((e) => (
                <tr
                  class={e.id === selected ? 'selected' : ''}
                  data-testid="exclusion-row"
                  data-exclusion-id={e.id}
                  onClick={() => setSelected(e.id)}
                >
                  <td>
                    <button
                      type="button"
                      class="linklike"
                      aria-pressed={e.id === selected}
                      onClick={() => setSelected(e.id)}
                    >
                      <b>{alias(e.subjectId)}</b>
                    </button>
                  </td>
                  <td>{where(e, scheme)}</td>
                  <td class="nowrap">{day(e.startsAt)}</td>
                  <td class="nowrap">{day(e.endsAt)}</td>
                  <td>
                    <span class={`pill ${e.status === 'active' ? 'online' : 'offline'}`}>{e.status}</span>
                  </td>
                  <td>{e.decidedBy}</td>
                  <td>{e.events.filter((v) => v.kind !== 'decision').length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <aside class="gallery-detail" aria-label="Exclusion notice">
        {x ? (
          <article class="subject" data-testid="exclusion-panel">
            <h3>
              Notice: {alias(x.subjectId)}{' '}
              <span class={`pill ${x.status === 'active' ? 'online' : 'offline'}`}>{x.status}</span>
            </h3>
            <dl class="facts">
              <dt>Where</dt>
              <dd data-testid="exclusion-where">{where(x, scheme)}</dd>
              <dt>Period</dt>
              <dd data-testid="exclusion-period">
                {day(x.startsAt)} to {day(x.endsAt)}
              </dd>
              <dt>Decided by</dt>
              <dd>{x.decidedBy}</dd>
              <dt>Appeal route</dt>
              <dd>{x.appealRoute}</dd>
              <dt>Issued</dt>
              <dd>
                {day(x.createdAt)} by {x.createdBy}
              </dd>
            </dl>
            <h4>History</h4>
            {x.events.length === 0 && <p class="muted">No appeal or review yet.</p>}
            <ol class="timeline" data-testid="exclusion-events">
              {x.events.map((v) => (
                <li>
                  <time>{day(v.at)}</time>{' '}
                  <b>
                    {v.kind === 'decision'
                      ? `Decision: ${v.outcome ? OUTCOME_LABELS[v.outcome] : ''}`
                      : v.kind === 'appeal'
                        ? 'Appeal'
                        : 'Early review'}
                  </b>{' '}
                  by {v.by}
                  <span class="note">{v.text}</span>
                </li>
              ))}
            </ol>
            {manage && x.status === 'active' && (
              <>
                <AppealForm key={`a-${x.id}`} x={x} onDone={changed} />
                <DecisionForm key={`d-${x.id}-${x.events.length}`} x={x} onDone={changed} />
              </>
            )}
          </article>
        ) : (
          <p class="muted">
            Choose a notice (click, or j / k) to see its history
            {manage ? ', record an appeal or review, or decide' : ''}.
          </p>
        )}
      </aside>
      {issue && (
        <IssueDialog
          subjects={subjects.data ?? []}
          onClose={() => setIssue(false)}
          onDone={(e) => {
            setDone({ ok: true, text: `Notice issued for ${alias(e.subjectId)} until ${day(e.endsAt)}.` });
            setSelected(e.id);
            reload();
          }}
        />
      )}
    </div>
  );
}
