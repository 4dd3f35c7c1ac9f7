import { useEffect, useMemo, useState } from 'preact/hooks';
import { useServices } from '../core/context';
import { ALERT_TYPES } from '../core/labels';
import { audioReady, beep, unlockAudio } from '../core/notify';
import { useStore } from '../core/store';
import { byUrgency } from '../console/alerts-screen';
import { Announcer } from '../ui/announcer';
import { ConnectionBadge } from '../ui/connection';
import { AlertCard } from './alert-card';
import { IncidentForm } from './incident-form';
import { RaisePanel } from './raise-panel';
import { LiveCameras } from './live-cameras';
import { FieldGalleryScreen } from './field-gallery';
import { revokePrivateImages } from './private-image';
import { PushToggle } from '../ui/push-toggle';

/** The field app: phones and tablets of store staff and wardens. Big targets, one tap each. */
export function FieldApp(props: { controlRoom: boolean }) {
  const { store, logout } = useServices();
  const user = useStore(store, (s) => s.user);
  const scheme = useStore(store, (s) => s.scheme);
  const alerts = useStore(store, (s) => s.alerts);
  const pending = useStore(store, (s) => s.pending);
  const conn = useStore(store, (s) => s.connection);
  const [incidentFor, setIncidentFor] = useState<string | null>(null);
  const [sound, setSound] = useState(audioReady());
  const [gallery, setGallery] = useState(false);
  // Pictures of people go with the session: revoked before the token is dropped.
  const signOut = () => {
    setGallery(false);
    revokePrivateImages();
    logout();
  };
  const list = useMemo(() => [...alerts.values()].sort(byUrgency), [alerts]);
  const active = list.filter((a) => a.status !== 'closed');
  const closed = list.filter((a) => a.status === 'closed').slice(0, 10);
  const storeName = user?.store ? (scheme?.stores.find((s) => s.id === user.store)?.name ?? user.store) : null;
  const incidentAlert = incidentFor ? alerts.get(incidentFor) : undefined;
  // Store staff mostly raise; wardens mostly receive: on a phone, put their main task on top.
  const storeFirst = user?.role === 'member';

  // A notification opens /field?alert=ID: bring that card into view once it is in the list.
  const focusId = new URLSearchParams(location.search).get('alert');
  const focusKnown = focusId !== null && alerts.has(focusId);
  useEffect(() => {
    if (!focusKnown || incidentAlert) return;
    const card = document.querySelector(`[data-alert-id="${CSS.escape(focusId!)}"]`);
    card?.scrollIntoView({ block: 'start' });
    card?.classList.add('focused');
  }, [focusId, focusKnown, incidentAlert]);

  if (incidentAlert) return <IncidentForm a={incidentAlert} onDone={() => setIncidentFor(null)} />;

  return (
    <div class="field">
      <header class="field-top">
        <div class="field-who">
          <span class="logo" aria-hidden="true" />
          <div>
            <b>{storeName ?? (user?.role === 'warden' ? 'Warden' : 'ShopWatch')}</b>
            <div class="muted small">
              {user?.displayName ?? user?.username} · {scheme?.name ?? ''}
            </div>
          </div>
        </div>
        <div class="field-tools">
          {props.controlRoom && (
            <a class="btn ghost small" href="/console/alerts">
              Console
            </a>
          )}
          <button type="button" class="btn ghost small" aria-pressed={gallery} onClick={() => setGallery(!gallery)}>
            Gallery
          </button>
          <button type="button" class="btn ghost small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <ConnectionBadge large />
      <Announcer />
      <PushToggle />
      {!sound && (
        <button
          type="button"
          class="btn sound-btn"
          onClick={() => {
            unlockAudio();
            setTimeout(() => setSound(beep(false) || audioReady()), 50);
          }}
        >
          Tap to turn alert sound on
        </button>
      )}
      {gallery && <FieldGalleryScreen onBack={() => setGallery(false)} />}
      <div class={`field-body${storeFirst ? ' store-first' : ' feed-first'}`} hidden={gallery}>
        <RaisePanel />
        <LiveCameras />
        <section class="field-feed" aria-labelledby="feed-h">
          <h2 id="feed-h">
            Active alerts <span class="count">{active.length}</span>
          </h2>
          {pending.map((p) => (
            <div class="card pending" role="status" data-testid="pending-raise">
              <b>{p.label}: waiting to send</b>
              <p class="small">{p.error}</p>
            </div>
          ))}
          {active.length === 0 && (
            <p class="empty">
              {conn.state === 'online'
                ? 'No active alerts.'
                : 'No alerts received. Not connected: alerts will appear when the connection is back.'}
            </p>
          )}
          {active.map((a) => (
            <AlertCard key={a.id} a={a} onIncident={() => setIncidentFor(a.id)} />
          ))}
          {closed.length > 0 && (
            <details class="closed-list">
              <summary>Recently closed ({closed.length})</summary>
              <ul>
                {closed.map((a) => (
                  <li>
                    {ALERT_TYPES[a.type].label} · {a.store ?? a.zone} · {a.outcome}{' '}
                    <button type="button" class="btn ghost small" onClick={() => setIncidentFor(a.id)}>
                      Report
                    </button>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </section>
      </div>
    </div>
  );
}
