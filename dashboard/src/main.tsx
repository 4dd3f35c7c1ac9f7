import './zod-jitless'; // first: before any schema is built
import { render } from 'preact';
import type { UserInfo } from '@shopwatch/protocols';
import { Actions } from './core/actions';
import { takeCard } from './core/card-link';
import { Api, ApiError } from './core/api';
import { isControlRoom } from './core/labels';
import { LiveLink } from './core/live';
import { beep, unlockAudio, vibrate } from './core/notify';
import { navigate } from './core/router';
import { disablePush, registerServiceWorker } from './core/push';
import { clearDeviceData, dropLegacyToken } from './core/session';
import { Store } from './core/store';
import { App } from './app';
import './styles.css';

/**
 * Composition root: builds the API client, the state, the actions and the live link in this
 * order, and stops them in reverse on logout.
 */
const api = new Api();
const store = new Store();
const actions = new Actions(api, store);
let live: LiveLink | null = null;
/** Who is signed in; the session itself is the HttpOnly cookie, which script never sees. */
let session: { user: UserInfo } | null = null;

const USER_KEY = 'shopwatch.signed-in'; // cleared with every shopwatch.* key at sign-out

function rememberedUser(): UserInfo | null {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as UserInfo | null;
  } catch {
    return null;
  }
}

function start(user: UserInfo) {
  session = { user };
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  store.update(() => ({ user }));
  const controlRoom = isControlRoom(user.role);
  api.scheme().then(
    (scheme) => store.update(() => ({ scheme })),
    () => undefined,
  );
  if (controlRoom) {
    actions.refreshDevices().catch(() => undefined);
    actions.refreshReview().catch(() => undefined);
  }
  actions.refreshRecent().catch(() => undefined);
  live = new LiveLink(store, {
    onNews: (kind, ids) => {
      const urgent =
        kind === 'escalated' ||
        ids.some((id) => {
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
  // End the session on the hub too (a copied cookie dies with it); sign-out goes on offline.
  if (session) api.logout().catch(() => undefined);
  session = null;
  // A shared phone: the next person must find nothing of this one (drafts, statements).
  clearDeviceData();
  store.update(() => ({
    user: null,
    alerts: new Map(),
    devices: new Map(),
    review: new Map(),
    pending: [],
    lastSeq: 0,
  }));
  navigate('/login', true);
  mount();
}

async function login(username: string, password: string) {
  const res = await api.login(username, password);
  // Whatever a previous user left on this device goes before the new one starts.
  clearDeviceData();
  start(res.user);
  // A card link opened before sign-in (`/a/{id}`) goes on to that card.
  navigate(takeCard() ?? (isControlRoom(res.user.role) ? '/console/alerts' : '/field'), true);
  mount();
}

// Browsers allow sound only after a gesture: the first tap or key press anywhere unlocks it.
for (const ev of ['pointerdown', 'keydown'] as const)
  addEventListener(ev, unlockAudio, { capture: true, passive: true });

const root = document.getElementById('app')!;
root.textContent = ''; // drop the "Loading" placeholder: render() diffs against existing children

function mount() {
  render(<App services={{ api, store, actions, logout }} session={session} onLogin={login} />, root);
}

dropLegacyToken();
void registerServiceWorker();
// A reload: the cookie may still hold a session. Ask the hub who it belongs to. Offline (no
// answer at all, not a refusal), the field app starts from the signed-in user remembered on
// this device (no token: the cookie stays HttpOnly), so the offline shell still shows alerts.
api
  .me()
  .then(
    (user) => start(user),
    (err) => {
      const known = err instanceof ApiError ? null : rememberedUser();
      if (known) start(known);
    },
  )
  .finally(() => {
    mount();
    performance.mark('shopwatch:mounted');
  });
// The frame after the first render: when the console (or login) is on screen.
requestAnimationFrame(() => setTimeout(() => performance.mark('shopwatch:painted')));
