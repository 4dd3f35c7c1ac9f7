/**
 * JSON for exports a person will open in a viewer or editor (subject access exports). Bidi
 * control characters (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) are written as `\uXXXX`
 * escapes: the parsed data is exactly the same, but a text viewer shows the escape instead of
 * letting "Tesco\u202Eevil" display as "Tescolive" (Trojan Source, CVE-2021-42574).
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function bidiSafeJson(value: unknown, indent?: number): string {
  const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return JSON.stringify(value, null, indent).replace(BIDI, unicodeEscape);
}
