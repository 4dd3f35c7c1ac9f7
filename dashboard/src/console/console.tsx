import { useState } from 'preact/hooks';
import { useServices } from '../core/context';
import { navigate } from '../core/router';
import { queueRows } from './review-cases';
import { useStore } from '../core/store';
import { ConnectionBadge } from '../ui/connection';
import { useHotkeys } from '../ui/hotkeys';
import { AlertsScreen } from './alerts-screen';
import { DevicesScreen } from './devices-screen';
import { PlanScreen } from './plan-screen';
import { ReviewScreen } from './review-screen';
import { RecordsScreen, recordsFor } from './records-screen';
import { HelpDialog } from './help';

const SCREENS = [
  { path: '/console/alerts', label: 'Alerts', key: 'a' },
  { path: '/console/devices', label: 'Devices', key: 'd' },
  { path: '/console/plan', label: 'Plan', key: 'p' },
  { path: '/console/review', label: 'Review queue', key: 'r' },
] as const;

/** The control room: desktop, dark, keyboard first. */
export function Console(props: { path: string }) {
  const { store, logout } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const user = useStore(store, (s) => s.user);
  const alerts = useStore(store, (s) => s.alerts);
  const [help, setHelp] = useState(false);
  const review = useStore(store, (s) => s.review);
  const active = [...alerts.values()].filter((a) => a.status !== 'closed').length;
  const pending = queueRows([...review.values()]).length; // cases, as the queue lists them
  const badge: Record<string, number> = { Alerts: active, 'Review queue': pending };

  const keys: Record<string, () => void> = { '?': () => setHelp((h) => !h) };
  for (const s of SCREENS) keys[`g ${s.key}`] = () => navigate(s.path);
  useHotkeys(keys);

  const sub = props.path.split('/')[2] ?? 'alerts';
  const mayOpen = recordsFor(user?.role);
  const records = mayOpen.find((p) => p.id === sub);
  return (
    <div class="console">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span>ShopWatch</span>
          <span class="muted">{scheme?.name ?? ''}</span>
        </div>
        <ConnectionBadge />
        <div class="who">
          <span>
            {user?.displayName ?? user?.username} <span class="muted">({user?.role})</span>
          </span>
          <a class="btn ghost small" href="/field" title="Open the field view">
            Field view
          </a>
          <button type="button" class="btn ghost small" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
            ?
          </button>
          <button type="button" class="btn ghost small" onClick={logout}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="sidenav" aria-label="Control room">
        {SCREENS.map((s) => (
          <a
            href={s.path}
            class={props.path.startsWith(s.path) ? 'active' : ''}
            aria-current={props.path.startsWith(s.path) ? 'page' : undefined}
          >
            <span>{s.label}</span>
            {(badge[s.label] ?? 0) > 0 && (
              <span class="count">
                {/* A plain <span> may not carry a label: screen readers get the words, eyes the number. */}
                <span aria-hidden="true">{badge[s.label]}</span>
                <span class="sr-only">{`${badge[s.label]} ${s.label === 'Alerts' ? 'active' : 'pending'}`}</span>
              </span>
            )}
            <kbd>g {s.key}</kbd>
          </a>
        ))}
        <div class="navsep">Records</div>
        {mayOpen.map((p) => (
          <a
            href={`/console/${p.id}`}
            class={sub === p.id ? 'active' : ''}
            aria-current={sub === p.id ? 'page' : undefined}
          >
            <span>{p.label}</span>
          </a>
        ))}
      </nav>
      <main class="content" id="main">
        {records ? (
          <RecordsScreen id={records.id} />
        ) : sub === 'devices' ? (
          <DevicesScreen />
        ) : sub === 'plan' ? (
          <PlanScreen />
        ) : sub === 'review' ? (
          <ReviewScreen />
        ) : (
          <AlertsScreen />
        )}
      </main>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </div>
  );
}
