import type { UserInfo } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { SchemeLookup } from '../directory-interface';
import type { SessionRecord, UserRecord } from '../storage/repository';
import { type Principal, userPrincipal } from './principal';
import { hashToken } from './tokens';

/** The stored facts a session check reads (implemented by the repository). */
export interface SessionStore {
  getSession(tokenHash: string, now: string): Promise<SessionRecord | null>;
  getUser(username: string): Promise<UserRecord | null>;
}

/**
 * Browser sessions: a token resolves to the signed-in user. One place for HTTP, the browser
 * WebSocket and the live-view socket, so no transport has to borrow another's code for it.
 * Sessions are stored (only their hash), so any hub process can answer for any session.
 */
export class Sessions {
  constructor(
    private store: SessionStore,
    private schemes: SchemeLookup,
  ) {}

  /** The logged-in user of a token; `unauthenticated` when it is missing, unknown or expired. */
  async principalFor(token: string | undefined): Promise<Principal> {
    if (!token) throw new HubError('unauthenticated', 'log in first: send "Authorization: Bearer <token>"');
    const session = await this.store.getSession(hashToken(token), new Date().toISOString());
    if (!session) throw new HubError('unauthenticated', 'the session token is unknown or has expired; log in again');
    const user = await this.store.getUser(session.username);
    if (!user) throw new HubError('unauthenticated', 'the user of this session no longer exists');
    return userPrincipal(user, await this.schemes.scheme(user.scheme));
  }

  /** True while the session of this token hash exists and its user too (logout, expiry, removal end it). */
  async isAlive(tokenHash: string): Promise<boolean> {
    const s = await this.store.getSession(tokenHash, new Date().toISOString());
    return !!s && !!(await this.store.getUser(s.username));
  }
}

/** What a browser is told about the signed-in user (login answer, `/me`, the WebSocket welcome). */
export function userInfo(p: Principal): UserInfo {
  return { username: p.id, displayName: p.displayName, role: p.role!, scheme: p.scheme, store: p.store, zone: p.zone };
}
