import { sniff } from '../evidence/sniff';
import { CSS, code, esc, head, row } from '../export/html';
import type { SubjectAccessExport } from './sar';

/**
 * The subject access export as one self-contained HTML page a person can read, print or send:
 * styles inline, photos embedded as data: URIs, no script, nothing fetched. Dates are written in
 * full with their time zone (UTC), because the reader may be anywhere and months later.
 */
export const fullDate = (iso: string | null | undefined) =>
  iso
    ? new Date(iso).toLocaleString('en-GB', {
        weekday: 'short',
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      })
    : '-';

const words = (s: string | null | undefined) => (s ? s.replace(/-/g, ' ') : '-');
/** A table of already-escaped cells; each cell carries its column's name for the narrow layout. */
const table = (labels: string[], rows: string[][], none: string) => {
  if (!rows.length) return `<p>${esc(none)}</p>`;
  const body = rows.map(
    (cells) => `<tr>${cells.map((c, i) => `<td data-label="${esc(labels[i])}">${c}</td>`).join('')}</tr>`,
  );
  return `<table class="list">${head(...labels)}<tbody>${body.join('\n')}</tbody></table>`;
};
/** An audit entry's detail as "key: value" lines, nested values as JSON. */
const detail = (d: Record<string, unknown> | null) =>
  d
    ? Object.entries(d)
        .map(([k, v]) => `${esc(k)}: ${esc(typeof v === 'object' ? JSON.stringify(v) : v)}`)
        .join('<br>')
    : '';

const SAR_CSS = `${CSS}
.photos{display:flex;flex-wrap:wrap;gap:1rem}.photos figure{margin:0;max-width:18rem}
.photos img{max-width:100%;border:1px solid #bbb}.photos figcaption{font-size:.85em}
table.list td{overflow-wrap:anywhere}table.list td[data-label="#"]{white-space:nowrap}
@media (max-width:40rem){body{margin:1rem auto}th[scope=row]{width:auto}
table.list thead{display:none}table.list,table.list tbody,table.list tr,table.list td{display:block;border:0}
table.list tr{border-top:1px solid #999;padding:.4rem 0}table.list tr:first-child{border-top:0}
table.list td{padding:.1rem 0;overflow-wrap:anywhere}
table.list td::before{content:attr(data-label) ": ";font-weight:bold}}`;

function photos(d: SubjectAccessExport): string {
  if (!d.photos.length) return '<p>No photos are held.</p>';
  const figures = d.photos.map((p) => {
    const bytes = p.data ? Buffer.from(p.data, 'base64') : null;
    const type = bytes ? sniff(bytes.subarray(0, 16)) : null;
    const img =
      bytes && (type === 'image/jpeg' || type === 'image/png')
        ? `<img src="data:${type};base64,${p.data}" alt="Photo ${esc(p.id)} of ${esc(d.subject.alias)}"
 width="${p.width}" height="${p.height}">`
        : '<p><em>Deleted: the photo is no longer held.</em></p>';
    const caption = `Source: ${esc(p.source)}. Added ${esc(fullDate(p.createdAt))} by ${esc(p.createdBy)}.
SHA-256 ${code(p.sha256)}`;
    return `<figure>${img}<figcaption>${caption}</figcaption></figure>`;
  });
  return `<div class="photos">${figures.join('\n')}</div>`;
}

export function renderSubjectAccessHtml(d: SubjectAccessExport): string {
  const s = d.subject;
  const disclosures = d.audit.filter((e) => e.action === 'disclose');
  const trail = d.audit.filter((e) => e.action !== 'disclose');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Subject access export: ${esc(s.alias)}</title><style>${SAR_CSS}</style></head>
<body>
<h1>Subject access export: ${esc(s.alias)}</h1>
<p>Everything the scheme's hub holds about this gallery subject, produced ${esc(fullDate(d.generatedAt))}
by ${esc(d.requestedBy)}.</p>
<h2>Subject</h2>
<table>${[
    row('Alias', s.alias),
    row('Reference', s.id),
    row('Status', words(s.status)),
    row('Reason for enrolment', words(s.reason)),
    row('Notes', s.notes ?? '-'),
    row('Enrolled', `${fullDate(s.enrolledAt)} by ${s.enrolledBy}`),
    row('Entry expires', fullDate(s.expiresAt)),
    row('State', s.state === 'active' ? 'active' : `${s.state} ${fullDate(s.endedAt)}: ${s.endedReason ?? ''}`),
    row('Face templates held', s.templates),
  ].join('')}</table>
<h2>Photos</h2>
${photos(d)}
<h2>Exclusion notices</h2>
${table(
  ['Where', 'From', 'Until', 'Status', 'Decided by', 'How to appeal', 'Appeals and decisions'],
  d.exclusions.map((x) => [
    esc([...x.stores, ...x.zones.map((z) => `zone ${z}`)].join(', ')),
    esc(fullDate(x.startsAt)),
    esc(fullDate(x.endsAt)),
    esc(x.status),
    esc(x.decidedBy),
    esc(x.appealRoute),
    x.events.map((e) => `${esc(fullDate(e.at))}: ${esc(e.kind)} ${esc(e.outcome ?? '')} ${esc(e.text)}`).join('<br>'),
  ]),
  'No exclusion notices.',
)}
<h2>Incidents</h2>
${table(
  ['When', 'Store', 'Type', 'Description', 'Witness statement', 'Reported by'],
  d.incidents.map((i) => [
    esc(fullDate(i.occurredAt)),
    esc(i.store ?? '-'),
    esc(words(i.type)),
    esc(i.description),
    esc(i.statement ?? '-'),
    esc(i.reporter),
  ]),
  'No incidents are linked.',
)}
<h2>Camera sightings and review decisions</h2>
${table(
  ['Captured', 'Store', 'Camera', 'Score', 'Decision', 'Decided by', 'Decided', 'Reason'],
  d.reviewVerdicts.map((c) => [
    esc(fullDate(c.capturedAt)),
    esc(c.store ?? '-'),
    esc(c.cameraId),
    esc(c.score),
    esc(c.status),
    esc(c.decidedBy ?? '-'),
    esc(fullDate(c.decidedAt)),
    esc(c.reason ?? '-'),
  ]),
  'No camera sightings.',
)}
<h2>Alerts naming the subject</h2>
${table(
  ['Raised', 'Alert', 'Store', 'Type', 'Status', 'Outcome'],
  d.alerts.map((a) => [
    esc(fullDate(a.raisedAt)),
    code(a.id),
    esc(a.store ?? '-'),
    esc(a.type),
    esc(a.status),
    esc(a.outcome ?? '-'),
  ]),
  'No alerts.',
)}
<h2>Disclosures outside the scheme</h2>
${table(
  ['When', 'By', 'To', 'Organisation', 'Why'],
  disclosures.map((e) => [
    esc(fullDate(e.at)),
    esc(e.actor.id),
    esc(e.detail?.to),
    esc(e.detail?.organisation),
    esc(e.detail?.why),
  ]),
  'No disclosures recorded.',
)}
<h2>Audit trail: who viewed, changed or exported this subject's data</h2>
${table(
  ['#', 'When', 'Who', 'Action', 'Object', 'Detail'],
  trail.map((e) => [
    esc(e.seq),
    esc(fullDate(e.at)),
    esc(`${e.actor.kind} ${e.actor.id}`),
    esc(e.action),
    esc(`${e.object.kind} ${e.object.id}`),
    detail(e.detail),
  ]),
  'No audit entries.',
)}
</body></html>
`;
}
