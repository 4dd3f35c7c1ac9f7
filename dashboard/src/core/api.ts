import type {
  Ack,
  AlertQuery,
  AlertWithDeliveries,
  Alert,
  Close,
  DeviceSummary,
  ErrorBody,
  Incident,
  IncidentInput,
  LoginResponse,
  RaiseRequest,
  ReviewCandidate,
  ReviewDecision,
  SchemeInfo,
  Subject,
  UserInfo,
} from '@shopwatch/protocols';
import { csrfToken } from './session';
import { cleanText } from './text';

/** A refusal from the hub, carrying its `{ code, message }` body. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public body: ErrorBody,
  ) {
    super(body.message);
  }
}

/**
 * The hub's HTTP API, typed with the shapes from `@shopwatch/protocols`. Only types are
 * imported, so no schema code reaches the browser bundle; the hub validates every request.
 * Authenticated by the HttpOnly session cookie the browser sends by itself; every write echoes
 * the CSRF cookie in `X-ShopWatch-CSRF`. Strings from the hub lose bidi controls (text.ts).
 */
export class Api {
  constructor(private base = '') {}

  private headers(write: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    const csrf = write ? csrfToken() : null;
    if (csrf) h['x-shopwatch-csrf'] = csrf;
    return h;
  }

  /** A GET of any JSON endpoint (read-only record screens). */
  get<T>(path: string) {
    return this.call<T>('GET', path);
  }

  /** A POST of a JSON body to any endpoint (governance screens). */
  post<T>(path: string, body?: unknown) {
    return this.call<T>('POST', path, body ?? {});
  }

  /** A DELETE with an optional JSON body (push subscriptions on sign-out). */
  del<T>(path: string, body?: unknown) {
    return this.call<T>('DELETE', path, body);
  }

  /** Sends a file as the raw request body (gallery photos: image/jpeg or image/png). */
  async upload<T>(path: string, file: Blob): Promise<T> {
    const headers = { ...this.headers(true), 'content-type': file.type || 'application/octet-stream' };
    const init: RequestInit = { method: 'POST', headers, body: file, credentials: 'same-origin' };
    return this.parse<T>(await fetch(this.base + path, init));
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers = this.headers(method !== 'GET');
    if (body !== undefined) headers['content-type'] = 'application/json';
    const json = body === undefined ? undefined : JSON.stringify(body);
    const init: RequestInit = { method, headers, credentials: 'same-origin', body: json };
    return this.parse<T>(await fetch(this.base + path, init));
  }

  private async parse<T>(res: Response): Promise<T> {
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      if (res.ok)
        throw new ApiError(res.status, { code: 'internal', message: 'the hub sent something that is not JSON' });
    }
    if (!res.ok) {
      const b = (json ?? {}) as Partial<ErrorBody>;
      const message = b.message ?? `HTTP ${res.status}`;
      throw new ApiError(res.status, { code: b.code ?? 'internal', message, issues: b.issues, faces: b.faces });
    }
    return cleanText(json) as T;
  }

  login(username: string, password: string) {
    return this.call<LoginResponse>('POST', '/api/login', { username, password });
  }
  /** Ends the session on the hub (and its cookie); the caller clears the device. */
  logout() {
    return this.call<{ ok: boolean }>('POST', '/api/logout', {});
  }
  me() {
    return this.call<UserInfo>('GET', '/api/me');
  }
  scheme() {
    return this.call<SchemeInfo>('GET', '/api/scheme');
  }
  alerts(q: Partial<AlertQuery> = {}) {
    const qs = new URLSearchParams(
      Object.entries(q)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    return this.call<AlertWithDeliveries[]>('GET', `/api/alerts${qs.size ? `?${qs}` : ''}`);
  }
  alert(id: string) {
    return this.call<AlertWithDeliveries>('GET', `/api/alerts/${encodeURIComponent(id)}`);
  }
  raise(r: RaiseRequest) {
    return this.call<AlertWithDeliveries>('POST', '/api/alerts', r);
  }
  ack(id: string, a: Ack) {
    return this.call<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/ack`, a);
  }
  close(id: string, c: Close) {
    return this.call<Alert>('POST', `/api/alerts/${encodeURIComponent(id)}/close`, c);
  }
  devices() {
    return this.call<DeviceSummary[]>('GET', '/api/devices');
  }
  reviewQueue(status: 'pending' | 'all' = 'pending') {
    return this.call<ReviewCandidate[]>('GET', `/api/review?status=${status}`);
  }
  candidate(id: string) {
    return this.call<ReviewCandidate>('GET', `/api/review/${encodeURIComponent(id)}`);
  }
  claim(id: string) {
    return this.call<ReviewCandidate>('POST', `/api/review/${encodeURIComponent(id)}/claim`);
  }
  decide(id: string, d: ReviewDecision) {
    return this.call<ReviewCandidate>('POST', `/api/review/${encodeURIComponent(id)}/decision`, d);
  }
  subject(id: string) {
    return this.call<Subject>('GET', `/api/gallery/subjects/${encodeURIComponent(id)}`);
  }
  recordIncident(i: IncidentInput) {
    return this.call<Incident>('POST', '/api/incidents', i);
  }

  /**
   * POSTs a JSON body to an endpoint that answers with a file (the police evidence package),
   * returning the file and the headers the hub sends with it.
   */
  async download(path: string, body: unknown): Promise<{ blob: Blob; headers: Headers }> {
    const headers = { ...this.headers(true), 'content-type': 'application/json' };
    const init: RequestInit = { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) };
    const res = await fetch(this.base + path, init);
    if (!res.ok) return this.parse<never>(res);
    return { blob: await res.blob(), headers: res.headers };
  }

  /**
   * Fetches an image or clip and returns an object URL (so the CSP can stay `img-src 'self'
   * blob:`); the caller revokes it. Every such view is audited by the hub.
   */
  async blobUrl(path: string): Promise<string> {
    const res = await fetch(this.base + path, { credentials: 'same-origin' });
    if (!res.ok) {
      const b = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
      throw new ApiError(res.status, { code: b.code ?? 'internal', message: b.message ?? `HTTP ${res.status}` });
    }
    return URL.createObjectURL(await res.blob());
  }
}
