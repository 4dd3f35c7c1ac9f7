import type { ContinuityEntry } from './evidence-case';
import { CSS, code, esc, head, row, tr } from './html';
import type { EvidenceRecord } from './record';

const detailText = (d: unknown) => (d === null || d === undefined ? '' : typeof d === 'string' ? d : JSON.stringify(d));

/** The capture and the reviewer's decision; an alert-only exhibit has neither. */
function capture(r: EvidenceRecord): string {
  const c = r.candidate;
  if (!c || !r.review || !r.clock) {
    return '<h2>Capture</h2>\n<p>No gallery-match capture: this exhibit is the alert record only.</p>';
  }
  return `<h2>Capture</h2>
<table>${[
    row('Subject (alias)', `${c.subjectAlias ?? 'unknown alias'} (${c.subjectId})`),
    row('Store / zone', `${c.store ?? '-'} / ${c.zone ?? '-'}`),
    row('Camera', c.cameraId),
    row('Edge box', c.deviceId),
    row('Captured at (edge clock)', r.clock.capturedAtEdgeClock),
    row('Edge clock offset', `${r.clock.edgeClockOffsetMs} ms (edge minus hub)`),
    row('Captured at (hub clock)', r.clock.capturedAtHubClock),
    row('Received by hub', c.receivedAt),
    row('Match score / distance / frames', `${c.score} / ${c.distance} / ${c.frames}`),
  ].join('')}</table>
<h2>Review</h2>
<table>${[
    row('Decision', r.review.status),
    row('Reviewer', r.review.decidedBy ?? '-'),
    row('Decided at (hub clock)', r.review.decidedAt ?? '-'),
    row('Reviewer’s reason', r.review.reason ?? '-'),
  ].join('')}</table>`;
}

/**
 * data/record.html: the same record as a page a person can read and print. Every value is
 * escaped: names, reasons and notes come from people and devices.
 */
export function renderRecordHtml(r: EvidenceRecord, log: ContinuityEntry[]): string {
  const c = r.candidate;
  const wc = r.workingCopy;
  const notes = r.notes.length
    ? `<section class="notes" role="alert"><h2>Notes about this exhibit</h2>
<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`
    : '';
  const steps = (r.alert?.timeline ?? [])
    .map((t) => {
      const by = `${t.actor.kind}:${t.actor.id}`;
      return tr(esc(t.at), esc(t.kind), esc(by), esc(t.status ?? t.outcome), esc(t.note));
    })
    .join('\n');
  const timeline = r.alert
    ? `<table>${head('Time (hub clock)', 'Event', 'By', 'Status / outcome', 'Note')}<tbody>${steps}</tbody></table>`
    : '<p>No alert is linked to this exhibit.</p>';
  const files = r.files.map((f) => tr(code(f.path), esc(f.role), esc(f.kind), esc(f.bytes), code(f.sha256))).join('\n');
  const continuity = log
    .map((e) => tr(esc(e.at), esc(e.source), esc(e.actor), esc(e.action), esc(e.file), code(detailText(e.detail))))
    .join('\n');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Exhibit ${esc(r.exhibit)}</title><style>${CSS}</style></head>
<body>
<h1>Exhibit ${esc(r.exhibit)}: ${c ? 'gallery-match evidence' : 'alert record'}</h1>
${notes}
<h2>Exhibit</h2>
<table>${[
    row('Exhibit reference', r.exhibit),
    row('Produced by', `${r.producer.name ?? r.producer.id} (${r.producer.id}), ${r.producer.scheme.name}`),
    row('Produced at (hub clock)', r.generatedAt),
    row('Disclosed to', `${r.disclosure.to}, ${r.disclosure.organisation}`),
    row('Reason for disclosure', r.disclosure.reason),
  ].join('')}</table>
${capture(r)}
<h2>Alert ${esc(r.alert?.id ?? '')}</h2>
${timeline}
<h2>Files and hashes (SHA-256)</h2>
<p>Masters are bit for bit as captured; their SHA-256 equals the hash the edge box recorded at capture.
Working copies were made from the masters for viewing only.</p>
<table>${head('File', 'Role', 'Kind', 'Bytes', 'SHA-256')}<tbody>${files}</tbody></table>
${wc ? `<p>Working copy made with: ${code(wc.command)} (${esc(wc.ffmpegVersion)})</p>` : ''}
<h2>Continuity log</h2>
<table>${head('Time (hub clock)', 'Log', 'Actor', 'Action', 'File', 'Detail')}
<tbody>${continuity}</tbody></table>
</body></html>
`;
}
