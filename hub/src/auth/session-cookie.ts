import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The browser session as cookies. The session token sits in an HttpOnly, SameSite=Strict cookie
 * that page script cannot read (a stored-XSS bug cannot steal it) and that other sites cannot
 * make the browser send. Cookie-authenticated writes must also carry the `X-ShopWatch-CSRF`
 * header equal to the readable `sw_csrf` cookie (double-submit): a cross-site form can make the
 * browser send cookies on some old browsers, but it cannot read our cookie or set that header.
 * API and CLI clients keep using `Authorization: Bearer`, which no browser adds by itself.
 */
export const SESSION_COOKIE = 'sw_session';
export const CSRF_COOKIE = 'sw_csrf';
export const CSRF_HEADER = 'x-shopwatch-csrf';

/** `name=value` pairs of a Cookie header; malformed pairs are skipped, never thrown. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function cookie(name: string, value: string, opts: { httpOnly: boolean; secure: boolean; maxAge: number }) {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=Strict', `Max-Age=${opts.maxAge}`];
  if (opts.httpOnly) parts.push('HttpOnly');
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The two Set-Cookie values for a new session (token and CSRF companion). */
export function sessionCookies(token: string, maxAgeSeconds: number, secure: boolean): string[] {
  const csrf = crypto.randomBytes(24).toString('base64url');
  return [
    cookie(SESSION_COOKIE, token, { httpOnly: true, secure, maxAge: maxAgeSeconds }),
    cookie(CSRF_COOKIE, csrf, { httpOnly: false, secure, maxAge: maxAgeSeconds }),
  ];
}

/** Set-Cookie values that delete both cookies. */
export function clearedCookies(secure: boolean): string[] {
  return [
    cookie(SESSION_COOKIE, '', { httpOnly: true, secure, maxAge: 0 }),
    cookie(CSRF_COOKIE, '', { httpOnly: false, secure, maxAge: 0 }),
  ];
}

/**
 * True when the request came over TLS, directly or through a proxy that says so. The cookie is
 * then marked Secure so it never travels over plain HTTP.
 */
export function isHttps(req: IncomingMessage | undefined, url: string): boolean {
  if (url.startsWith('https:')) return true;
  if (req && 'encrypted' in req.socket && (req.socket as { encrypted?: boolean }).encrypted) return true;
  return req?.headers['x-forwarded-proto'] === 'https';
}

/** Constant-time comparison of the CSRF header with the CSRF cookie. */
export function csrfMatches(header: string | undefined, cookieValue: string | undefined): boolean {
  if (!header || !cookieValue) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(cookieValue);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * For a cookie-authenticated WebSocket: the browser always sends Origin on an upgrade, and a
 * page of another site must not ride on our cookie (cross-site WebSocket hijacking).
 * Non-browser clients send no Origin and cannot be tricked into sending our cookie. `hosts` are
 * the Host header and, behind a reverse proxy, X-Forwarded-Host: a page cannot set either on a
 * browser's WebSocket request, so accepting both opens nothing to another site.
 */
export function sameOrigin(origin: string | undefined, hosts: (string | undefined)[]): boolean {
  if (origin === undefined) return true;
  try {
    const host = new URL(origin).host;
    return hosts.some((h) => h !== undefined && h.split(',')[0]!.trim() === host);
  } catch {
    return false;
  }
}
