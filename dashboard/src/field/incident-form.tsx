import { useState } from 'preact/hooks';
import { useServices } from '../core/context';
import { ALERT_TYPES, OUTCOMES, clock, placeOf } from '../core/labels';
import type { AlertView } from '../core/store';
import { useStore } from '../core/store';

const DRAFTS = 'shopwatch.incident-drafts';

interface Draft {
  alertId: string;
  savedAt: string;
  what: string;
  where: string;
  when: string;
  description: string;
  people: string;
  loss: string;
  policeRef: string;
}

function loadDraft(alertId: string): Draft | null {
  try {
    const all = JSON.parse(localStorage.getItem(DRAFTS) ?? '{}') as Record<string, Draft>;
    return all[alertId] ?? null;
  } catch {
    return null;
  }
}

function saveDraft(d: Draft) {
  const all = JSON.parse(localStorage.getItem(DRAFTS) ?? '{}') as Record<string, Draft>;
  all[d.alertId] = d;
  localStorage.setItem(DRAFTS, JSON.stringify(all));
}

/**
 * A quick incident report prefilled from an alert. The hub has no incident API yet, so this is
 * kept as a draft on this device only and says so plainly; nothing is sent.
 */
export function IncidentForm(props: { a: AlertView; onDone: () => void }) {
  const { a } = props;
  const { store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const place = placeOf(a, scheme);
  const [d, setD] = useState<Draft>(
    () =>
      loadDraft(a.id) ?? {
        alertId: a.id,
        savedAt: '',
        what: ALERT_TYPES[a.type].label,
        where: [place.store, place.zone].filter(Boolean).join(', '),
        when: `${new Date(a.raisedAt).toLocaleDateString('en-GB')} ${clock(a.raisedAt)}`,
        description: [a.message, a.outcome ? `Outcome: ${OUTCOMES[a.outcome]}` : null].filter(Boolean).join('\n'),
        people: '',
        loss: '',
        policeRef: '',
      },
  );
  const [saved, setSaved] = useState(!!d.savedAt);
  const field = (k: keyof Draft) => ({
    value: d[k],
    onInput: (e: Event) => {
      setD({ ...d, [k]: (e.currentTarget as HTMLInputElement).value });
      setSaved(false);
    },
  });

  return (
    <main class="field incident">
      <header class="field-top">
        <button class="btn ghost" onClick={props.onDone}>
          ← Back
        </button>
        <h2>Incident report</h2>
      </header>
      <p class="ph-banner" role="note" data-testid="incident-not-sent">
        Draft only: not sent to the hub. The hub has no incident API yet; this report stays on this device.
      </p>
      <form
        class="incident-form"
        onSubmit={(e) => {
          e.preventDefault();
          saveDraft({ ...d, savedAt: new Date().toISOString() });
          setSaved(true);
        }}
      >
        <label>
          What happened
          <input {...field('what')} />
        </label>
        <label>
          Where
          <input {...field('where')} />
        </label>
        <label>
          When
          <input {...field('when')} />
        </label>
        <label>
          Description
          <textarea rows={4} {...field('description')} />
        </label>
        <label>
          People involved (description)
          <textarea rows={3} {...field('people')} />
        </label>
        <label>
          Goods / loss (£)
          <input inputMode="decimal" {...field('loss')} />
        </label>
        <label>
          Police reference (if any)
          <input {...field('policeRef')} />
        </label>
        <button class="btn primary big" type="submit">
          Save draft on this device
        </button>
        {saved && (
          <p class="raise-result queued" role="status">
            Saved on this device. Not sent to the hub.
          </p>
        )}
      </form>
    </main>
  );
}
