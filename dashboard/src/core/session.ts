import type { LoginResponse } from '@shopwatch/protocols';

const KEY = 'shopwatch.session';

/** The login token survives a reload (a warden's phone locks often); it is dropped when it expires. */
export function loadSession(): LoginResponse | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as LoginResponse | null;
    if (!s || Date.parse(s.expiresAt) <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: LoginResponse | null) {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}
