import { useState } from 'preact/hooks';
import type { AlertType, Severity, SubjectHit } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { ALERT_TYPES, QUICK_RAISE } from '../core/labels';
import { useStore } from '../core/store';
import { TargetOptions } from '../ui/target-options';
import { SubjectPicker } from './subject-picker';

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
  const [result, setResult] = useState<{ text: string; kind: 'ok' | 'queued' | 'error' } | null>(null);
  const ownStore = user?.role === 'member' && !!user.store;
  const ready = ownStore || target !== '';

  const raise = async (type: AlertType, severity: Severity) => {
    if (!ready) return setResult({ text: 'Choose where first.', kind: 'error' });
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
    } else setResult({ text: res.queued ? `${ALERT_TYPES[type].label}: not sent yet, will retry when connected` : res.error, kind: res.queued ? 'queued' : 'error' });
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
        <input type="text" maxLength={500} value={message} onInput={(e) => setMessage(e.currentTarget.value)} placeholder="e.g. male, grey hoodie, heading to market" />
      </label>
      <SubjectPicker chosen={subject} onChoose={setSubject} />
      {!ready && <p class="hint">Choose where, then tap the alert type.</p>}
      <div class="raise-grid">
        {QUICK_RAISE.map((q) => (
          <button class={`btn raise-btn sev-${q.severity}`} disabled={busy !== null || !ready} onClick={() => void raise(q.type, q.severity)} data-type={q.type}>
            {busy === q.type ? 'Sending…' : ALERT_TYPES[q.type].label}
          </button>
        ))}
      </div>
      {result && (
        <p class={`raise-result ${result.kind}`} role={result.kind === 'error' ? 'alert' : 'status'} data-testid="raise-result">
          {result.text}
        </p>
      )}
    </section>
  );
}
