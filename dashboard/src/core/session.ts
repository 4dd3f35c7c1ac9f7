/**
 * What this browser keeps between page loads. The session itself is an HttpOnly cookie that
 * page script cannot read: nothing here holds a token. Everything else a user leaves on the
 * device (incident drafts with witness statements) is keyed by username and wiped at sign-out,
 * so the next person on a shared phone sees none of it.
 */
const PREFIX = 'shopwatch.';

/** The readable CSRF companion of the session cookie; echoed in a header on every write. */
export function csrfToken(): string | null {
  const m = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('sw_csrf='));
  return m ? decodeURIComponent(m.slice('sw_csrf='.length)) : null;
}

/** A per-user key in localStorage, e.g. `shopwatch.user.boots-staff.incident-drafts`. */
export function userKey(username: string, what: string): string {
  return `${PREFIX}user.${encodeURIComponent(username)}.${what}`;
}

/**
 * Removes everything this app stored on the device: every user's keys and the token that
 * older versions kept in localStorage. Called at sign-out and when a session ends.
 */
export function clearDeviceData() {
  for (const storage of [localStorage, sessionStorage]) {
    try {
      for (const k of Object.keys(storage)) if (k.startsWith(PREFIX)) storage.removeItem(k);
    } catch {
      // storage disabled (private mode): nothing was kept
    }
  }
}

/** Drops the token an older version of the dashboard kept in localStorage. */
export function dropLegacyToken() {
  try {
    localStorage.removeItem(`${PREFIX}session`);
  } catch {
    // storage disabled
  }
}
