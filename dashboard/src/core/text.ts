/**
 * Bidirectional control characters: embeddings and overrides (U+202A–U+202E), isolates
 * (U+2066–U+2069), the marks U+200E/U+200F and the Arabic letter mark U+061C. In a store name or
 * an alert message they reorder what follows ("Tesco\u202Eevil" shows as "Tescolive"; a file
 * name can end in ".exe" yet look like ".jpg"), so they are removed from every string the hub
 * sends before anything is shown. Text stays readable: ordinary right-to-left letters are kept.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function stripBidi(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}

/** A copy of a JSON value with bidi controls removed from every string (keys included). */
export function cleanText<T>(v: T): T {
  if (typeof v === 'string') return stripBidi(v) as T;
  if (Array.isArray(v)) return v.map(cleanText) as T;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [stripBidi(k), cleanText(x)]);
    return Object.fromEntries(entries) as T;
  }
  return v;
}
