import { useEffect, useRef, useState } from 'preact/hooks';
import type { Outcome } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { ALERT_TYPES, OUTCOMES, keysOf } from '../core/labels';
import type { AlertView } from '../core/store';

/** Close with an outcome: 1–4 picks it, Enter confirms, Esc cancels. */
export function CloseDialog(props: { a: AlertView; onDone: (text?: string, error?: boolean) => void }) {
  const { actions } = useServices();
  const ref = useRef<HTMLDialogElement>(null);
  const [outcome, setOutcome] = useState<Outcome>('all-clear');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const outcomes = keysOf(OUTCOMES);

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const submit = async (e?: Event) => {
    e?.preventDefault();
    setBusy(true);
    try {
      await actions.close(props.a.id, outcome, note.trim() || undefined);
      props.onDone(`Closed: ${ALERT_TYPES[props.a.type].label}, ${OUTCOMES[outcome]}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  const onKey = (e: KeyboardEvent) => {
    const n = Number(e.key);
    if (e.target instanceof HTMLTextAreaElement || !Number.isInteger(n) || n < 1 || n > outcomes.length) return;
    e.preventDefault();
    setOutcome(outcomes[n - 1]!);
  };

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="close-title" onClose={() => props.onDone()} onKeyDown={onKey}>
      <form onSubmit={submit}>
        <h2 id="close-title">Close alert: {ALERT_TYPES[props.a.type].label}</h2>
        <fieldset class="choices">
          <legend>Outcome</legend>
          {outcomes.map((o, i) => (
            <label class={outcome === o ? 'choice on' : 'choice'}>
              <input
                type="radio"
                name="outcome"
                value={o}
                checked={outcome === o}
                onChange={() => setOutcome(o)}
                autoFocus={i === 0}
              />
              <kbd>{i + 1}</kbd> {OUTCOMES[o]}
            </label>
          ))}
        </fieldset>
        <label>
          Note (optional)
          <textarea rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="button" class="btn ghost" onClick={() => ref.current?.close()}>
            Cancel <kbd>Esc</kbd>
          </button>
          <button type="submit" class="btn danger" disabled={busy}>
            Close alert <kbd>Enter</kbd>
          </button>
        </div>
      </form>
    </dialog>
  );
}
