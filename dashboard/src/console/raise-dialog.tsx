import { useEffect, useRef, useState } from 'preact/hooks';
import type { AlertType, Severity, SubjectHit } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { ALERT_TYPES, SEVERITIES, keysOf } from '../core/labels';
import { useStore } from '../core/store';
import { TargetOptions } from '../ui/target-options';
import { SubjectPicker } from '../field/subject-picker';

/** The control room raises for a named store or a whole zone (the hub requires one of them). */
export function RaiseDialog(props: { onDone: (id?: string, text?: string) => void }) {
  const { store, actions } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const ref = useRef<HTMLDialogElement>(null);
  const [type, setType] = useState<AlertType>('shoplifting');
  const [severity, setSeverity] = useState<Severity>('medium');
  const [target, setTarget] = useState('');
  const [message, setMessage] = useState('');
  const [subject, setSubject] = useState<SubjectHit | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target) return setError('Choose the store or zone the alert is about.');
    // Shown and refused, never cut silently (issue 12): the hub's limit is 500 characters.
    const over = message.trim().length - 500;
    if (over > 0) return setError(`The message is ${over} characters over the 500 limit.`);
    setBusy(true);
    const [kind, id] = target.split(':') as ['store' | 'zone', string];
    const text = message.trim() ? { message: message.trim() } : {};
    const about = subject ? { subjectId: subject.id } : {}; // the alert then carries the subject's reference
    const res = await actions.raise({ type, severity, ...text, ...about, [kind]: id });
    if (res.ok) props.onDone(res.id, `Raised: ${ALERT_TYPES[type].label}`);
    else if (res.queued) props.onDone(undefined, `Queued: ${res.error}`);
    else {
      setError(res.error);
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog wide" aria-labelledby="raise-title" onClose={() => props.onDone()}>
      <form
        onSubmit={submit}
        onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.currentTarget.requestSubmit()}
      >
        <h2 id="raise-title">Raise an alert</h2>
        <label>
          Type
          {/* biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts */}
          <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value as AlertType)} autoFocus>
            {keysOf(ALERT_TYPES)
              .filter((t) => t !== 'gallery-match')
              .map((t) => (
                <option value={t}>{ALERT_TYPES[t].label}</option>
              ))}
          </select>
        </label>
        <label>
          Severity
          <select name="severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity)}>
            {keysOf(SEVERITIES).map((s) => (
              <option value={s}>{SEVERITIES[s]}</option>
            ))}
          </select>
        </label>
        <label>
          Where
          <select name="target" value={target} onChange={(e) => setTarget(e.currentTarget.value)} required>
            <TargetOptions scheme={scheme} />
          </select>
        </label>
        <label>
          Message (optional)
          <textarea
            name="message"
            rows={3}
            value={message}
            onInput={(e) => setMessage(e.currentTarget.value)}
            placeholder="Description, direction of travel…"
            aria-describedby="raise-count"
          />
        </label>
        <p
          id="raise-count"
          data-testid="raise-count"
          class={`small counter${message.trim().length > 500 ? ' over' : ''}`}
        >
          {message.trim().length} / 500 characters
        </p>
        <SubjectPicker chosen={subject} onChoose={setSubject} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="button" class="btn ghost" onClick={() => ref.current?.close()}>
            Cancel <kbd>Esc</kbd>
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            Raise <kbd>Ctrl+Enter</kbd>
          </button>
        </div>
      </form>
    </dialog>
  );
}
