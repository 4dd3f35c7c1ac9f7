import { useState } from 'preact/hooks';
import type { AckStatus, Outcome } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import {
  ACK_STATUSES,
  ALERT_TYPES,
  OUTCOMES,
  SEVERITIES,
  acknowledgements,
  age,
  countdown,
  keysOf,
  placeOf,
} from '../core/labels';
import { type AlertView, useNow, useStore } from '../core/store';
import { MatchPanel } from './match-panel';

/** Messages longer than this show three lines and a 'more' button. */
const CLAMP_AT = 160;

/** One alert, big enough to read and answer with a wet thumb. */
export function AlertCard(props: { a: AlertView; onIncident: () => void }) {
  const { a } = props;
  const { store, actions } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const user = useStore(store, (s) => s.user);
  const now = useNow();
  const [busy, setBusy] = useState<string | null>(null);
  const [closing, setClosing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [eta, setEta] = useState<number | null>(null);
  const [more, setMore] = useState(false);
  const long = (a.message?.length ?? 0) > CLAMP_AT;
  const place = placeOf(a, scheme);
  const acks = acknowledgements(a);
  const attending = acks.filter((k) => k.status === 'attending');
  const mine = acks.find((k) => k.who === user?.username);
  const left = countdown(a, now);
  const fresh = now - a.heardAt < 10_000;
  const canClose = user?.role !== 'member' || a.store === user.store;
  // "Seen again at camera …": the latest sighting of a confirmed subject, without a new alert.
  const update = a.timeline.filter((t) => t.kind === 'updated').at(-1);

  const run = async (key: string, f: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    try {
      await f();
      store.clearMissed(a.id);
    } catch (e) {
      setError(e instanceof TypeError ? 'Not sent: no connection. Try again.' : (e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const ack = (s: AckStatus) =>
    run(s, () => actions.ack(a.id, s, undefined, s === 'attending' ? (eta ?? undefined) : undefined));
  const close = (o: Outcome) => run(o, () => actions.close(a.id, o)).then(() => setClosing(false));

  return (
    <article
      class={`card alert-card sev-${a.severity} st-${a.status}${fresh ? ' fresh' : ''}`}
      aria-labelledby={`t-${a.id}`}
      data-testid="alert-card"
      data-alert-id={a.id}
    >
      <header>
        <h3 id={`t-${a.id}`}>{ALERT_TYPES[a.type].label}</h3>
        <span class={`sev-chip sev-${a.severity}`}>{SEVERITIES[a.severity]}</span>
      </header>
      <p class="where">
        <b>{place.store ?? 'Whole zone'}</b> · {place.zone} · <span class="num">{age(a.raisedAt, now)}</span> ago
      </p>
      {a.missed && (
        <p class="missed" role="note">
          Missed while offline
        </p>
      )}
      {a.status === 'escalated' && <p class="escalated-note">Escalated: nobody attended in time</p>}
      {a.match && <MatchPanel m={a.match} scheme={scheme} />}
      {update?.note && (
        <p class="seen-again" data-testid="alert-update">
          {update.note}
        </p>
      )}
      {a.message && (
        <p class={`message${long && !more ? ' clamped' : ''}`} data-testid="card-message">
          “{a.message}”
        </p>
      )}
      {long && (
        <button type="button" class="btn ghost small more-btn" aria-expanded={more} onClick={() => setMore(!more)}>
          {more ? 'less' : 'more'}
        </button>
      )}
      <p class="attending" data-testid="attending" aria-live="polite">
        {attending.length ? (
          <>
            Attending: <b>{attending.map((k) => k.label).join(', ')}</b>
          </>
        ) : left !== null ? (
          <>Nobody attending yet · escalates in {left}s</>
        ) : (
          <>Nobody attending yet</>
        )}
      </p>
      {acks.some((k) => k.status !== 'attending') && (
        <p class="small muted">
          {acks
            .filter((k) => k.status !== 'attending')
            .map((k) => `${k.label}: ${ACK_STATUSES[k.status].label}`)
            .join(' · ')}
        </p>
      )}
      {user?.role !== 'member' && (
        <label class="eta-pick small">
          ETA if attending{' '}
          <select value={eta ?? ''} onChange={(e) => setEta(Number(e.currentTarget.value) || null)}>
            <option value="">not given</option>
            {[2, 5, 10, 15].map((m) => (
              <option value={m}>{m} min</option>
            ))}
          </select>
        </label>
      )}
      <fieldset class="ack-row group" aria-label="Respond">
        {keysOf(ACK_STATUSES).map((s) => (
          <button
            type="button"
            class={`btn big ack-btn ack-${s}${mine?.status === s ? ' chosen' : ''}`}
            aria-pressed={mine?.status === s}
            disabled={busy !== null}
            onClick={() => void ack(s)}
          >
            {busy === s ? '…' : ACK_STATUSES[s].label}
          </button>
        ))}
      </fieldset>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="card-foot">
        {canClose && (
          <button type="button" class="btn ghost" aria-expanded={closing} onClick={() => setClosing(!closing)}>
            {closing ? 'Cancel close' : 'Close alert…'}
          </button>
        )}
        <button type="button" class="btn ghost" onClick={props.onIncident}>
          Incident report…
        </button>
      </div>
      {closing && (
        <fieldset class="outcome-row group" aria-label="Outcome">
          {keysOf(OUTCOMES).map((o) => (
            <button type="button" class="btn big" disabled={busy !== null} onClick={() => void close(o)}>
              {OUTCOMES[o]}
            </button>
          ))}
        </fieldset>
      )}
    </article>
  );
}
