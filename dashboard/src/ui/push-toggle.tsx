import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../core/context';
import { type PushState, enablePush, pushState } from '../core/push';

const TEXT: Record<Exclude<PushState, 'unsupported' | 'off'>, string> = {
  on: 'Alerts reach this phone when locked',
  denied: 'Notifications are blocked for this site: allow them in the browser settings to get alerts when locked',
};

/**
 * Web Push on/off for this device. Browsers only ask for notification permission after a tap,
 * so it is a button rather than something done at sign-in.
 */
export function PushToggle() {
  const { api } = useServices();
  const [state, setState] = useState<PushState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    pushState().then(setState, () => setState('unsupported'));
  }, []);
  if (state === null || state === 'unsupported') return null;
  if (state !== 'off') {
    return (
      <p class={`push-state push-${state} small`} data-testid="push-state" data-state={state}>
        {TEXT[state]}
      </p>
    );
  }
  const turnOn = async () => {
    setBusy(true);
    setError(null);
    try {
      setState(await enablePush(api));
    } catch (e) {
      setError(`Could not turn on lock-screen alerts: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="push-offer" data-testid="push-state" data-state="off">
      <button type="button" class="btn" disabled={busy} onClick={() => void turnOn()}>
        {busy ? 'Turning on…' : 'Get alerts when the phone is locked'}
      </button>
      {error && (
        <p class="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
