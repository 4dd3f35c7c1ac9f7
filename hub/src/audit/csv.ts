import type { AuditEntry } from './log';

/**
 * The audit log as CSV (RFC 4180): CRLF line ends, every field quoted when it holds a comma,
 * a quote or a line break, quotes doubled. Values come from people and devices (aliases,
 * disclosure reasons, usernames), so a cell that a spreadsheet would run as a formula
 * (starting with = + - @, or a tab or carriage return that some programs strip first) gets a
 * leading apostrophe: OWASP "CSV Injection". The file is meant to be read, not computed on.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

export const AUDIT_CSV_HEADER = [
  'seq',
  'at',
  'actor_kind',
  'actor',
  'action',
  'object_kind',
  'object_id',
  'subject_id',
  'subject_alias',
  'detail',
  'hash',
];

/** One line per entry, oldest first (the order a reader of a record expects), after a header line. */
export function auditCsv(entries: AuditEntry[], alias: (subjectId: string) => string | null): string {
  const rows = [...entries].sort((a, b) => a.seq - b.seq);
  let out = csvLine(AUDIT_CSV_HEADER);
  for (const e of rows) {
    out += csvLine([
      e.seq,
      e.at,
      e.actor.kind,
      e.actor.id,
      e.action,
      e.object.kind,
      e.object.id,
      e.subjectId,
      e.subjectId ? alias(e.subjectId) : null,
      e.detail ? JSON.stringify(e.detail) : null,
      e.hash,
    ]);
  }
  return out;
}
