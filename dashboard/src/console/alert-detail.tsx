import type { AckStatus } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import {
  ACK_STATUSES,
  ALERT_TYPES,
  OUTCOMES,
  SEVERITIES,
  actorName,
  age,
  clock,
  countdown,
  keysOf,
  placeOf,
} from '../core/labels';
import { type AlertView, useStore } from '../core/store';
import { ExportButton } from './export-dialog';
import { useState } from 'preact/hooks';
import { LiveDialog } from './live-dialog';
import { MatchPanel } from '../field/match-panel';

const KEY_OF: Record<AckStatus, string> = { seen: 's', attending: 't', unable: 'u' };

export function AlertDetail(props: { a: AlertView; now: number; onAck: (s: AckStatus) => void; onClose: () => void }) {
  const { a, now } = props;
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const devices = useStore(store, (s) => s.devices);
  const place = placeOf(a, scheme);
  const left = countdown(a, now);
  const name = (id: string) => devices.get(id)?.name ?? id;
  const user = useStore(store, (s) => s.user);
  const [live, setLive] = useState<{ deviceId: string; cameraId: string } | null>(null);
  // The store's cameras, for operators and admins to look at the scene now.
  const cameras =
    user?.role === 'operator' || user?.role === 'admin'
      ? [...devices.values()]
          .filter((d) => d.kind === 'edge' && a.store && d.store === a.store)
          .flatMap((d) => d.cameras.map((c) => ({ deviceId: d.id, cameraId: c.cameraId, name: c.name ?? c.cameraId })))
      : [];
  return (
    <article class="alert-detail" aria-labelledby="detail-title" data-testid="alert-detail" data-alert-id={a.id}>
      <header>
        <h2 id="detail-title">
          <span class={`sev-chip sev-${a.severity}`}>{SEVERITIES[a.severity]}</span> {ALERT_TYPES[a.type].label}
        </h2>
        <p class="place">
          {place.store ?? 'Whole zone'} · {place.zone} · raised {clock(a.raisedAt)} ({age(a.raisedAt, now)} ago) by{' '}
          {actorName(a.raisedBy)}
        </p>
        {a.message && <p class="message">“{a.message}”</p>}
        <p class={`state st-${a.status}`}>
          {a.status === 'closed'
            ? `Closed ${a.closedAt ? clock(a.closedAt) : ''}: ${a.outcome ? OUTCOMES[a.outcome] : ''}`
            : a.status === 'escalated'
              ? 'Escalated to the whole scheme, priority'
              : left === null
                ? 'Someone is attending'
                : `Escalates in ${left} s unless someone attends`}
        </p>
      </header>
      {a.status !== 'closed' && (
        <fieldset class="actions group" aria-label="Respond">
          {keysOf(ACK_STATUSES).map((s) => (
            <button
              type="button"
              class={`btn ack-btn ack-${s}`}
              onClick={() => props.onAck(s)}
              title={ACK_STATUSES[s].help}
            >
              {ACK_STATUSES[s].label} <kbd>{KEY_OF[s]}</kbd>
            </button>
          ))}
          <button type="button" class="btn danger" onClick={props.onClose}>
            Close… <kbd>c</kbd>
          </button>
        </fieldset>
      )}
      {a.match && (
        <div class="alert-subject" data-testid="alert-subject">
          <MatchPanel m={a.match} scheme={scheme} />
          <p class="actions">
            <a
              class="btn ghost small"
              data-testid="subject-link"
              href={`/console/gallery?subject=${encodeURIComponent(a.match.subjectId)}`}
            >
              Subject: {a.match.alias}
            </a>
            {a.match.candidateId && (
              <a
                class="btn ghost small"
                data-testid="case-link"
                href={`/console/review?candidate=${encodeURIComponent(a.match.candidateId)}`}
              >
                Review case
              </a>
            )}
          </p>
        </div>
      )}
      <ExportButton target={{ alertId: a.id }} />
      {cameras.length > 0 && (
        <fieldset class="actions group" aria-label="Cameras at this store">
          {cameras.map((c) => (
            <button type="button" class="btn ghost" data-testid="alert-live" onClick={() => setLive(c)}>
              Live: {c.name}
            </button>
          ))}
        </fieldset>
      )}
      {live && (
        <LiveDialog
          {...live}
          title={`${place.store ?? ''}, camera ${live.cameraId}`}
          reason={`alert ${a.id}`}
          onDone={() => setLive(null)}
        />
      )}
      <h3>Timeline</h3>
      <ol class="timeline" data-testid="timeline">
        {a.timeline.map((t) => (
          <li class={`tl-${t.kind}`}>
            <time dateTime={t.at}>{clock(t.at)}</time>
            <span class="what">
              {t.kind === 'raised'
                ? `Raised by ${actorName(t.actor)}`
                : t.kind === 'acknowledged'
                  ? `${t.actorName ?? actorName(t.actor)}: ${t.status ? ACK_STATUSES[t.status].label : 'acknowledged'}${
                      t.etaMinutes ? `, ETA ${t.etaMinutes} min` : ''
                    }`
                  : t.kind === 'escalated'
                    ? 'Escalated by the hub'
                    : t.kind === 'updated'
                      ? `Update from ${actorName(t.actor)}`
                      : `Closed by ${actorName(t.actor)}: ${t.outcome ? OUTCOMES[t.outcome] : ''}`}
            </span>
            {t.note && t.kind !== 'raised' && <span class="note">“{t.note}”</span>}
          </li>
        ))}
      </ol>
      <h3>Received by</h3>
      {a.deliveries.length === 0 && a.undelivered.length === 0 ? (
        <p class="muted">No devices receive this zone.</p>
      ) : (
        <ul class="receipts" data-testid="receipts">
          {a.deliveries.map((d) => (
            <li class="ok">
              <span aria-hidden="true">✓</span> {name(d.deviceId)} <span class="muted">{clock(d.at)}</span>
            </li>
          ))}
          {a.undelivered
            .filter((id) => !a.deliveries.some((d) => d.deviceId === id))
            .map((id) => (
              <li class="waiting">
                <span aria-hidden="true">…</span> {name(id)} <span class="muted">not yet confirmed</span>
              </li>
            ))}
        </ul>
      )}
      <p class="muted small">
        Browsers (wardens and staff signed in on a phone) do not send receipts; their acknowledgements are in the
        timeline.
      </p>
    </article>
  );
}
