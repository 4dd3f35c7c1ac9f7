import { userKey } from './session';

/**
 * Drafts kept on the device while they are written (a lost connection loses nothing), keyed by
 * the signed-in user: another user of the same phone never loads them, and sign-out wipes them.
 */
export class DraftStore<T> {
  constructor(private what: string) {}

  private key(username: string) {
    return userKey(username, this.what);
  }

  all(username: string): Record<string, T> {
    try {
      return JSON.parse(localStorage.getItem(this.key(username)) ?? '{}') as Record<string, T>;
    } catch {
      return {};
    }
  }

  get(username: string, id: string): T | undefined {
    return this.all(username)[id];
  }

  put(username: string, id: string, d: T | null) {
    const all = this.all(username);
    if (d) all[id] = d;
    else delete all[id];
    try {
      localStorage.setItem(this.key(username), JSON.stringify(all));
    } catch {
      // storage full or disabled: the draft lives only in the form
    }
  }
}
