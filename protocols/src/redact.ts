/**
 * Hiding camera credentials wherever a URL can surface: camera status reasons (edge → hub →
 * control room), log lines, error messages. ffmpeg repeats its input URL in its errors, so a
 * camera's `rtsp://user:password@host/...` would otherwise travel to every console.
 *
 * Two things are redacted: the userinfo of any `scheme://` URL — up to the LAST `@` before the
 * host, because a password may itself hold `@` (`admin:p@ssw0rd@10.0.0.1`) — and the values of
 * query parameters whose name looks like a credential (`?user=admin&password=secret`).
 */

/** Query parameter names whose values are secrets (matched case-insensitively, as substrings). */
export const CREDENTIAL_PARAM = /pass|pwd|user|login|token|auth|key|secret|sig|cred|session|account/i;

/** What replaces a hidden value. */
export const REDACTED = '***';

/**
 * A URL as it is in text: a scheme, `://`, then anything up to white space or a quote/bracket
 * that ends it in ffmpeg's and Node's messages.
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>`]*[^\s'"<>`:,.;)\]]/gi;

/**
 * The same URL with its userinfo and credential-like query values replaced by `***`.
 * Works on strings that WHATWG `URL` refuses (ffmpeg quotes them as typed).
 *
 * @example
 * redactUrl('rtsp://admin:p@ssw0rd@10.0.0.1/s')          // 'rtsp://***@10.0.0.1/s'
 * redactUrl('rtsp://10.0.0.1/s?user=admin&password=x')  // 'rtsp://10.0.0.1/s?user=***&password=***'
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (!m) return url;
  let rest = m[2];
  // The host starts after the last '@' of the authority. The authority ends at the first '/',
  // '?' or '#' AFTER that '@' — a password may hold any of them, so search the whole rest.
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = `${REDACTED}@${rest.slice(at + 1)}`;
  rest = rest.replace(/([?&;])([^=&;#]*)=([^&;#]*)/g, (all, sep: string, name: string) =>
    CREDENTIAL_PARAM.test(decodeSafe(name)) ? `${sep}${name}=${REDACTED}` : all,
  );
  return m[1] + rest;
}

/**
 * Redacts every URL inside free text (an ffmpeg stderr line, an error message), and every
 * literal in `known` (e.g. the configured cameras' passwords, see {@link urlSecrets}) — the
 * second net catches a secret quoted in a form the URL pattern cannot see.
 *
 * @example
 * redactText("rtsp://admin:pw@cam/s: 401 Unauthorized") // 'rtsp://***@cam/s: 401 Unauthorized'
 */
export function redactText(text: string, known: readonly string[] = []): string {
  let out = text.replace(URL_IN_TEXT, redactUrl);
  for (const secret of known) if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * The secret strings of a configured URL: user name, password and credential-like query
 * values, both as written and percent-decoded, longest first (so a redaction never leaves the
 * tail of a longer secret behind). Parsed with WHATWG `URL` and read as typed.
 *
 * @example urlSecrets('rtsp://admin:p@ss@10.0.0.1/s') // ['p%40ss', 'admin', 'p@ss']
 */
export function urlSecrets(url: string): string[] {
  const found = new Set<string>();
  const add = (s: string) => {
    if (!s) return;
    found.add(s);
    found.add(decodeSafe(s));
  };
  try {
    const u = new URL(url);
    add(u.username);
    add(u.password);
    for (const [name, value] of u.searchParams) if (CREDENTIAL_PARAM.test(name)) add(value);
  } catch {
    // not a URL WHATWG accepts: the text as typed (below) is all there is
  }
  // As typed, too: a raw password with '@' is 'p%40ss' to URL, and so are raw query values.
  const m = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(url);
  if (m) {
    const at = m[1].lastIndexOf('@');
    if (at >= 0) {
      const info = m[1].slice(0, at);
      const colon = info.indexOf(':');
      add(colon >= 0 ? info.slice(0, colon) : info);
      if (colon >= 0) add(info.slice(colon + 1));
    }
    for (const q of m[1].matchAll(/[?&;]([^=&;#]*)=([^&;#]*)/g)) if (CREDENTIAL_PARAM.test(decodeSafe(q[1]))) add(q[2]);
  }
  return [...found].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
