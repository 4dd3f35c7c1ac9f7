import { useEffect, useState } from 'preact/hooks';
import type { AlertType, Severity, SubjectHit } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { ALERT_TYPES, QUICK_RAISE } from '../core/labels';
import { useStore } from '../core/store';
import { TargetOptions } from '../ui/target-options';
import { SubjectPicker } from './subject-picker';

/** Same limit as the hub's schema (AlertRaise.message): shown, never applied silently. */
const MAX_DETAILS = 500;

/**
 * One-touch raise. Store staff raise for their own store (the hub knows it from the login);
 * wardens and the control room choose the store or zone first. Optional text is typed
 * before the tap, so the tap itself still sends at once.
 */
export function RaisePanel() {
  const { store, actions } = useServices();
  const user = useStore(store, (s) => s.user);
  const scheme = useStore(store, (s) => s.scheme);
  const [message, setMessage] = useState('');
  const [target, setTarget] = useState('');
  const [subject, setSubject] = useState<SubjectHit | null>(null);
  const [busy, setBusy] = useState<AlertType | null>(null);
  const [result, setResult] = useState<{ text: string; kind: 'ok' | 'queued' | 'error'; ref?: string } | null>(null);
  const pending = useStore(store, (s) => s.pending);
  const alerts = useStore(store, (s) => s.alerts);
  // A queued raise that has since reached the hub: say so (issue 12: it kept saying "not sent yet").
  useEffect(() => {
    if (result?.kind !== 'queued' || pending.some((p) => p.clientRef === result.ref)) return;
    const sent = [...alerts.values()].find((a) => a.clientRef === result.ref);
    const text = sent && `${ALERT_TYPES[sent.type].label} alert sent (it waited for the connection)`;
    if (text) setResult({ text, kind: 'ok' });
  }, [pending, alerts, result]);
  const ownStore = user?.role === 'member' && !!user.store;
  const ready = ownStore || target !== '';

  const raise = async (type: AlertType, severity: Severity) => {
    if (!ready) return setResult({ text: 'Choose where first.', kind: 'error' });
    if (message.trim().length > MAX_DETAILS) {
      const over = message.trim().length - MAX_DETAILS;
      const text = `Details are ${over} characters over the ${MAX_DETAILS} limit: shorten them first.`;
      return setResult({ text, kind: 'error' });
    }
    setBusy(type);
    setResult(null);
    const where = ownStore ? {} : target.startsWith('zone:') ? { zone: target.slice(5) } : { store: target.slice(6) };
    const about = subject ? { subjectId: subject.id } : {};
    const text = message.trim() ? { message: message.trim() } : {};
    const res = await actions.raise({ type, severity, ...where, ...about, ...text });
    setBusy(null);
    if (res.ok) {
      setMessage('');
      setSubject(null);
      setResult({ text: `${ALERT_TYPES[type].label} alert sent`, kind: 'ok' });
    } else if (res.queued) {
      // The details went with the queued raise: clear the box so they are not sent twice.
      setMessage('');
      const text = `${ALERT_TYPES[type].label}: not sent yet, will retry when connected`;
      setResult({ text, kind: 'queued', ref: res.clientRef });
    } else setResult({ text: res.error, kind: 'error' });
  };

  return (
    <section class="raise-panel" aria-labelledby="raise-h">
      <h2 id="raise-h">Raise an alert</h2>
      {!ownStore && (
        <label class="where-pick">
          Where
          <select value={target} onChange={(e) => setTarget(e.currentTarget.value)} data-testid="raise-target">
            <TargetOptions scheme={scheme} />
          </select>
        </label>
      )}
      <label class="msg">
        Details (optional, type before tapping)
        <input
          type="text"
          value={message}
          onInput={(e) => setMessage(e.currentTarget.value)}
          aria-describedby="details-count"
          placeholder="e.g. male, grey hoodie, heading to market"
        />
      </label>
      <p
        id="details-count"
        data-testid="details-count"
        class={`small counter${message.trim().length > MAX_DETAILS ? ' over' : ''}`}
      >
        {message.trim().length} / {MAX_DETAILS} characters
      </p>
      <SubjectPicker chosen={subject} onChoose={setSubject} />
      {!ready && <p class="hint">Choose where, then tap the alert type.</p>}
      <div class="raise-grid">
        {QUICK_RAISE.map((q) => (
          <button
            type="button"
            class={`btn raise-btn sev-${q.severity}`}
            disabled={busy !== null || !ready}
            onClick={() => void raise(q.type, q.severity)}
            data-type={q.type}
          >
            {busy === q.type ? 'Sending…' : ALERT_TYPES[q.type].label}
          </button>
        ))}
      </div>
      {result && (
        <p
          class={`raise-result ${result.kind}`}
          role={result.kind === 'error' ? 'alert' : 'status'}
          data-testid="raise-result"
        >
          {result.text}
        </p>
      )}
    </section>
  );
}
