/**
 * The pieces of the printable documents the hub hands to people (the police exhibit record, the
 * subject access export): escaping and a plain, self-contained layout. Every value is escaped:
 * names, reasons and notes come from people and devices.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Bidi controls shown as their code point, not obeyed (Trojan Source, CVE-2021-42574). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const bidiName = (c: string) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`;

export const esc = (v: unknown) =>
  String(v ?? '')
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch]!)
    .replace(BIDI, bidiName);
/** A table row of already-escaped cells. */
export const tr = (...cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
export const head = (...labels: string[]) =>
  `<thead><tr>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr></thead>`;
export const code = (v: unknown) => `<code>${esc(v)}</code>`;
export const row = (label: string, value: unknown) =>
  `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}</td></tr>`;

export const CSS = `body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th[scope=row]{width:16rem;background:#f2f2f2}
code{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}
.notes{border:3px solid #b00;background:#fee;padding:.5rem 1rem;font-weight:bold}
@media print{body{margin:0}}`;
