import { useMemo } from 'preact/hooks';
import { useServices } from '../core/context';
import { ALERT_TYPES, placeOf } from '../core/labels';
import { useStore } from '../core/store';

/** Reads the newest alert out to screen readers (assertive: it should interrupt). */
export function Announcer() {
  const { store } = useServices();
  const alerts = useStore(store, (s) => s.alerts);
  const scheme = useStore(store, (s) => s.scheme);
  const text = useMemo(() => {
    let newest = null;
    for (const a of alerts.values()) if (a.status !== 'closed' && (!newest || a.heardAt > newest.heardAt)) newest = a;
    if (!newest) return '';
    const p = placeOf(newest, scheme);
    return (
      `${newest.status === 'escalated' ? 'Escalated' : 'New'} alert: ${ALERT_TYPES[newest.type].label}, ` +
      `${p.store ?? `zone ${p.zone}`}`
    );
  }, [alerts, scheme]);
  return (
    <p class="sr-only" aria-live="assertive" data-testid="announce">
      {text}
    </p>
  );
}
