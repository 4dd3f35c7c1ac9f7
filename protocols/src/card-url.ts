/**
 * The field app's page of one alert: what a radio payload's `match.cardUrl` points to, and what a
 * person opens on a phone. Relative to the hub's address; the app asks for sign-in when needed.
 *
 * @example cardUrl('a-123') === '/a/a-123'; cardIdOf('/a/a-123') === 'a-123'
 */
export const cardUrl = (alertId: string) => `/a/${encodeURIComponent(alertId)}`;

/** The alert id in a card URL's path, or null when the path is not one. */
export function cardIdOf(path: string): string | null {
  const m = /^\/a\/([^/]{1,128})$/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}
