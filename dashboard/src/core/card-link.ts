import { cardIdOf } from '@shopwatch/protocols';

/**
 * Card links (`/a/{alertId}`, from a radio payload or a message): the field app's list with that
 * alert's card brought into view. Opened signed out, the link is remembered while the person
 * signs in, then followed — so a link read off a radio works on a phone that was never used.
 */
let pending: string | null = null;

export const cardTarget = (alertId: string) => `/field?alert=${encodeURIComponent(alertId)}`;

/** Where a card link's path leads, or null when `path` is not a card link. */
export function cardRedirect(path: string): string | null {
  const id = cardIdOf(path);
  return id === null ? null : cardTarget(id);
}

/** Keeps a card link opened before sign-in. */
export function rememberCard(path: string) {
  pending = cardRedirect(path) ?? pending;
}

/** The remembered card link, once. */
export function takeCard(): string | null {
  const p = pending;
  pending = null;
  return p;
}
