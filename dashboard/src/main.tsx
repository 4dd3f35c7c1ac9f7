import { render } from 'preact';
import type { LoginResponse } from '@shopwatch/protocols';
import { Actions } from './core/actions';
import { Api } from './core/api';
import { isControlRoom } from './core/labels';
import { LiveLink } from './core/live';
import { beep, unlockAudio, vibrate } from './core/notify';
import { navigate } from './core/router';
import { disablePush, registerServiceWorker } from './core/push';
import { loadSession, saveSession } from './core/session';
import { Store } from './core/store';
import { App } from './app';
import './styles.css';

/**
 * Composition root: builds the API client, the state, the actions and the live link in this
 * order, and stops them in reverse on logout.
 */
const api = new Api(null);
const store = new Store();
const actions = new Actions(api, store);
let live: LiveLink | null = null;

function start(session: LoginResponse) {
  api.setToken(session.token);
  store.update(() => ({ user: session.user }));
  const controlRoom = isControlRoom(session.user.role);
  api.scheme().then((scheme) => store.update(() => ({ scheme })), () => undefined);
  if (controlRoom) {
    actions.refreshDevices().catch(() => undefined);
    actions.refreshReview().catch(() => undefined);
  }
  actions.refreshRecent().catch(() => undefined);
  live = new LiveLink(store, session.token, {
    onNews: (kind, ids) => {
      const urgent = kind === 'escalated' || ids.some((id) => {
        const sev = store.get().alerts.get(id)?.severity;
        return sev === 'critical' || sev === 'high';
      });
      beep(urgent);
      if (!controlRoom) vibrate(urgent);
    },
    onWelcome: (reconnect) => {
      void actions.flush();
      if (reconnect) {
        actions.refreshRecent().catch(() => undefined);
        if (controlRoom) {
          actions.refreshDevices().catch(() => undefined);
          actions.refreshReview().catch(() => undefined);
        }
      }
    },
    onReview: () => beep(false),
    onUnauthenticated: logout,
  });
  live.start();
}

async function logout() {
  // The hub forgets this phone's push subscription while the session is still valid.
  const giveUp = new Promise((r) => setTimeout(r, 2000));
  await Promise.race([disablePush(api).catch(() => undefined), giveUp]);
  live?.stop();
  live = null;
  saveSession(null);
  api.setToken(null);
  store.update(() => ({ user: null, alerts: new Map(), devices: new Map(), review: new Map(), pending: [], lastSeq: 0 }));
  navigate('/login', true);
  mount();
}

async function login(username: string, password: string) {
  const session = await api.login(username, password);
  saveSession(session);
  start(session);
  navigate(isControlRoom(session.user.role) ? '/console/alerts' : '/field', true);
  mount();
}

// Browsers allow sound only after a gesture: the first tap or key press anywhere unlocks it.
for (const ev of ['pointerdown', 'keydown'] as const) addEventListener(ev, unlockAudio, { capture: true, passive: true });

const root = document.getElementById('app')!;
root.textContent = ''; // drop the "Loading" placeholder: render() diffs against existing children

function mount() {
  const session = loadSession();
  render(
    <App services={{ api, store, actions, logout }} session={session} onLogin={login} />,
    root,
  );
}

void registerServiceWorker();
const existing = loadSession();
if (existing) start(existing);
mount();
performance.mark('shopwatch:mounted');
// The frame after the first render: when the console (or login) is on screen.
requestAnimationFrame(() => setTimeout(() => performance.mark('shopwatch:painted')));
