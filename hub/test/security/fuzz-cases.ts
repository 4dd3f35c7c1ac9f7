import fc from 'fast-check';

/** One generated request: a POST with a raw body, or a GET (body null) with a query string. */
export interface FuzzRequest {
  route: string;
  body: string | null;
}

/** Ids of real records, so near-valid bodies reach past validation into the services. */
export interface FuzzFixtures {
  alertId: string;
  incidentId: string;
  subjectId: string;
}

/** A valid body per JSON route; the generators below break them in every way. */
export function validBodies(f: FuzzFixtures): Record<string, Record<string, unknown>> {
  const now = new Date().toISOString();
  const later = new Date(Date.now() + 86400_000).toISOString();
  return {
    '/api/login': { username: 'coord', password: 'wrong-password' },
    '/api/alerts': { type: 'shoplifting', severity: 'low', store: 'boots', clientRef: 'x', message: 'm' },
    [`/api/alerts/${f.alertId}/ack`]: { status: 'seen', note: 'n' },
    [`/api/alerts/${f.alertId}/close`]: { outcome: 'left-area' },
    '/api/incidents': {
      type: 'theft',
      occurredAt: now,
      store: 'boots',
      description: 'a description',
      statement: 'x'.repeat(25),
    },
    '/api/gallery/subjects': {
      alias: 'Al',
      status: 'known',
      reason: 'repeat-offending',
      incidentIds: [f.incidentId],
      under18: false,
      vulnerable: false,
    },
    '/api/exclusions': {
      subjectId: f.subjectId,
      stores: ['boots'],
      zones: [],
      startsAt: now,
      endsAt: later,
      decidedBy: 'J. Smith',
      appealRoute: 'write to the coordinator',
    },
  };
}

export const GET_ROUTES = [
  '/api/alerts',
  '/api/audit',
  '/api/review-stats',
  '/api/gallery/subjects',
  '/api/review',
  '/api/incidents',
  '/api/exclusions',
];
const QUERY_KEYS = ['limit', 'days', 'before', 'state', 'status', 'since', 'zone', 'x'];
const NASTY_NUMBERS = ['abc', '-1', '1e9', '%', '%zz', '0', '', 'NaN', '9'.repeat(30)];
const NOT_JSON = ['{', '{"a":', '[1,2', '\u0000', '{"type":"x"}}', '1e999999'];

/**
 * The mix: valid bodies with up to 3 fields replaced by arbitrary JSON (including `__proto__`
 * and unknown keys), arbitrary JSON, text that is not JSON, and GETs with arbitrary queries.
 */
export function fuzzRequests(f: FuzzFixtures, numRuns: number, seed: number): FuzzRequest[] {
  const valid = validBodies(f);
  const routes = Object.keys(valid);
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const patchOf = (route: string) => {
    const keys = fc.constantFrom(...Object.keys(valid[route]!), '__proto__', 'constructor', 'extra');
    return fc.dictionary(keys, anyJson, { maxKeys: 3 });
  };
  const mutated = fc
    .constantFrom(...routes)
    .chain((route) => patchOf(route).map((patch) => ({ route, body: JSON.stringify({ ...valid[route]!, ...patch }) })));
  const arbitrary = fc
    .tuple(fc.constantFrom(...routes), anyJson)
    .map(([route, v]) => ({ route, body: JSON.stringify(v) }));
  const notJson = fc
    .tuple(fc.constantFrom(...routes), fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(...NOT_JSON)))
    .map(([route, body]) => ({ route, body }));
  const part = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...NASTY_NUMBERS));
  // Values starting with % are sent raw, so broken percent-encoding reaches the hub too.
  const encode = (v: string) => (v.startsWith('%') ? v : encodeURIComponent(v));
  const query = fc
    .tuple(fc.constantFrom(...GET_ROUTES), fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), part), { maxLength: 3 }))
    .map(([route, pairs]) => {
      const qs = pairs.map(([k, v]) => `${k}=${encode(v)}`).join('&');
      return { route: `${route}?${qs}`, body: null };
    });
  const any = fc.oneof(
    { arbitrary: mutated, weight: 4 },
    { arbitrary, weight: 2 },
    { arbitrary: notJson, weight: 1 },
    { arbitrary: query, weight: 2 },
  );
  return fc.sample(any, { numRuns, seed }) as FuzzRequest[];
}
