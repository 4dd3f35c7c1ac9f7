/* ShopWatch service worker: the offline shell of the field app and Web Push notifications.
 *
 * Kept apart from the main bundle (served as /sw.js, scope /). It never caches the API, the
 * WebSockets or anything personal: only index.html and the hashed, public build assets, so
 * nothing about alerts or people stays on a phone after sign-out.
 */
const SHELL = 'shopwatch-shell-v1';
const NEVER = /^\/(api|ws|mqtt|live)(\/|$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** Caches index.html and the assets it names, so the app starts with no network. */
async function precache() {
  const cache = await caches.open(SHELL);
  const res = await fetch('/', { cache: 'no-cache' });
  if (!res.ok) return;
  const html = await res.clone().text();
  await cache.put('/index.html', res);
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await cache.addAll([...assets, '/manifest.webmanifest', '/icon-192.png']);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  if (req.mode === 'navigate') {
    event.respondWith(navigation(req));
  } else {
    event.respondWith(asset(req));
  }
});

/** Network first (a new build shows at once); the cached shell when the hub cannot be reached. */
async function navigation(req) {
  const cache = await caches.open(SHELL);
  try {
    const res = await fetch(req);
    if (res.ok && (res.headers.get('content-type') || '').startsWith('text/html')) {
      await cache.put('/index.html', res.clone());
      // A new build names new assets: fetch them now, while online.
      precacheAssets(cache, await res.clone().text()).catch(() => undefined);
    }
    return res;
  } catch (err) {
    const shell = await cache.match('/index.html');
    if (shell) return shell;
    throw err;
  }
}

async function precacheAssets(cache, html) {
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  const missing = [];
  for (const a of assets) if (!(await cache.match(a))) missing.push(a);
  await cache.addAll(missing);
}

/** Hashed assets never change: cache first. */
async function asset(req) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && new URL(req.url).pathname.startsWith('/assets/')) await cache.put(req, res.clone());
  return res;
}

/* Web Push: the hub sends { alertId, event, seq, severity, title, body, url } (protocols/src/push.ts). */
self.addEventListener('push', (event) => {
  let msg;
  try {
    msg = event.data ? event.data.json() : null;
  } catch {
    msg = null;
  }
  if (!msg || typeof msg.title !== 'string') {
    msg = { title: 'ShopWatch', body: 'New alert activity', url: '/field', alertId: 'unknown', severity: 'medium' };
  }
  const urgent = msg.event === 'escalated' || msg.severity === 'high' || msg.severity === 'critical';
  event.waitUntil(
    self.registration.showNotification(msg.title, {
      body: msg.body,
      // One notification per alert: a newer event of it replaces the older one.
      tag: `alert-${msg.alertId}`,
      renotify: true,
      requireInteraction: urgent,
      icon: '/icon-192.png',
      badge: '/icon-192.png',
      vibrate: urgent ? [300, 100, 300, 100, 300] : [200],
      data: { url: typeof msg.url === 'string' && msg.url.startsWith('/') ? msg.url : '/field', alertId: msg.alertId },
    }),
  );
});

/** Opens the alert card: an open ShopWatch window navigates to it, else a new one opens. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url || '/field';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if (new URL(c.url).origin === self.location.origin) {
          c.postMessage({ type: 'open-alert', url });
          return c.focus();
        }
      }
      return self.clients.openWindow(url);
    }),
  );
});
