import { useState } from 'preact/hooks';
import type { AlertType, IncidentType } from '@shopwatch/protocols';
import { ApiError } from '../core/api';
import { useServices } from '../core/context';
import { DraftStore } from '../core/drafts';
import { ALERT_TYPES, OUTCOMES, placeOf } from '../core/labels';
import type { AlertView } from '../core/store';
import { useStore } from '../core/store';

/** Drafts per user (a shared phone's next user never sees them); wiped at sign-out. */
const drafts = new DraftStore<Draft>('incident-drafts');

export const INCIDENT_TYPES: Record<IncidentType, string> = {
  theft: 'Theft',
  violence: 'Violence',
  'threats-or-abuse': 'Threats or abuse',
  'criminal-damage': 'Criminal damage',
  fraud: 'Fraud',
  other: 'Other',
};
const FROM_ALERT: Record<AlertType, IncidentType> = {
  shoplifting: 'theft',
  violence: 'violence',
  aggression: 'threats-or-abuse',
  'known-offender': 'other',
  suspicious: 'other',
  'gallery-match': 'other',
  other: 'other',
};

interface Draft {
  type: IncidentType;
  store: string;
  when: string; // datetime-local value, local time
  description: string;
  value: string; // pounds, as typed
  statement: string;
}

const localInput = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * A quick incident report prefilled from an alert, sent to the hub's incident API. While it is
 * being written it is kept as a draft on this device, so a lost connection loses nothing.
 */
export function IncidentForm(props: { a: AlertView; onDone: () => void }) {
  const { a } = props;
  const { store, api } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const user = useStore(store, (s) => s.user);
  const place = placeOf(a, scheme);
  const member = user?.role === 'member';
  const [d, setD] = useState<Draft>(
    () =>
      (user ? drafts.get(user.username, a.id) : undefined) ?? {
        type: FROM_ALERT[a.type],
        store: a.store ?? '',
        when: localInput(a.raisedAt),
        description: [
          `${ALERT_TYPES[a.type].label} alert at ${place.store ?? `zone ${place.zone}`}`,
          a.message,
          a.outcome ? `Outcome: ${OUTCOMES[a.outcome]}` : null,
        ]
          .filter(Boolean)
          .join('. '),
        value: '',
        statement: '',
      },
  );
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'sent' | 'error'; text?: string }>({ kind: 'idle' });
  const set = (k: keyof Draft) => (e: Event) => {
    const next = { ...d, [k]: (e.currentTarget as HTMLInputElement).value };
    setD(next);
    if (user) drafts.put(user.username, a.id, next);
  };

  const send = async (e: Event) => {
    e.preventDefault();
    const pounds = d.value.trim() ? Number(d.value.replace(/[£,\s]/g, '')) : null;
    if (pounds !== null && (!Number.isFinite(pounds) || pounds < 0))
      return setState({ kind: 'error', text: 'Value must be an amount in pounds, e.g. 24.99' });
    setState({ kind: 'sending' });
    try {
      const inc = await api.recordIncident({
        type: d.type,
        occurredAt: new Date(d.when).toISOString(),
        ...(!member && d.store ? { store: d.store } : {}),
        description: d.description.trim(),
        ...(pounds !== null ? { valuePence: Math.round(pounds * 100) } : {}),
        ...(d.statement.trim() ? { statement: d.statement.trim() } : {}),
        alertId: a.id,
      });
      if (user) drafts.put(user.username, a.id, null);
      setState({ kind: 'sent', text: `Sent to the hub: incident ${inc.id.slice(0, 12)}…` });
    } catch (err) {
      const text =
        err instanceof ApiError
          ? [err.message, ...(err.body.issues ?? []).map((i) => `${i.path}: ${i.message}`)].join(' · ')
          : 'Not sent: no connection. The draft is kept on this device; try again.';
      setState({ kind: 'error', text });
    }
  };

  return (
    <main class="field incident">
      <header class="field-top">
        <button type="button" class="btn ghost" onClick={props.onDone}>
          ← Back
        </button>
        <h2>Incident report</h2>
      </header>
      <p class="muted small">
        From the {ALERT_TYPES[a.type].label.toLowerCase()} alert. The draft stays on this device until the hub has it.
      </p>
      <form class="incident-form" onSubmit={send}>
        <label>
          What happened
          <select value={d.type} onChange={set('type')}>
            {(Object.keys(INCIDENT_TYPES) as IncidentType[]).map((t) => (
              <option value={t}>{INCIDENT_TYPES[t]}</option>
            ))}
          </select>
        </label>
        {member && (
          <p class="small" data-testid="incident-store">
            Filed under <b>{place.store ?? `zone ${place.zone}`}</b> (the alert’s store); you are named as the reporter.
          </p>
        )}
        {!member && (
          <label>
            Store
            <select value={d.store} onChange={set('store')}>
              <option value="">No particular store</option>
              {scheme?.stores.map((s) => (
                <option value={s.id}>{s.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          When
          <input type="datetime-local" value={d.when} onInput={set('when')} required />
        </label>
        <label>
          Description
          <textarea
            rows={4}
            value={d.description}
            onInput={set('description')}
            required
            minLength={5}
            maxLength={4000}
          />
        </label>
        <label>
          Goods / loss (£, optional)
          <input inputMode="decimal" value={d.value} onInput={set('value')} placeholder="e.g. 24.99" />
        </label>
        <label>
          Witness statement (optional; at least 20 characters; needed before anyone can be added to the gallery)
          <textarea rows={4} value={d.statement} onInput={set('statement')} maxLength={20000} />
        </label>
        {state.kind !== 'sent' ? (
          <button class="btn primary big" type="submit" disabled={state.kind === 'sending'}>
            {state.kind === 'sending' ? 'Sending…' : 'Send to the hub'}
          </button>
        ) : (
          <button class="btn big" type="button" onClick={props.onDone}>
            Done
          </button>
        )}
        {(state.kind === 'sent' || state.kind === 'error') && (
          <p
            class={`raise-result ${state.kind === 'sent' ? 'ok' : 'error'}`}
            role={state.kind === 'sent' ? 'status' : 'alert'}
            data-testid="incident-result"
          >
            {state.text}
          </p>
        )}
      </form>
    </main>
  );
}
