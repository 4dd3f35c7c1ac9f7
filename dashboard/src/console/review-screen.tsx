import { radioGroupKeys } from '../ui/radio-keys';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ReviewCaseDetail } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { age, clock, placeOf } from '../core/labels';
import { useNow, useStore } from '../core/store';
import { useHotkeys } from '../ui/hotkeys';
import { Evidence } from './review-evidence';
import { ExportButton } from './export-dialog';
import { LiveDialog } from './live-dialog';
import { CaseSummary, queueRows, rowOf } from './review-cases';
import { Decision, type Verdict } from './review-decision';

/**
 * The review queue: nothing is announced to stores until a named reviewer confirms a match.
 * Opening a pending candidate claims it, so two reviewers do not decide it at once.
 */
export function ReviewScreen() {
  const { store, api, actions } = useServices();
  const review = useStore(store, (s) => s.review);
  const user = useStore(store, (s) => s.user);
  const scheme = useStore(store, (s) => s.scheme);
  const now = useNow();
  // `?candidate=` opens a sighting directly (the "Review case" link on a gallery-match alert).
  const linked = new URLSearchParams(location.search).get('candidate');
  const [show, setShow] = useState<'pending' | 'decided'>(() =>
    linked && review.get(linked)?.status !== 'pending' ? 'decided' : 'pending',
  );
  const [selected, setSelected] = useState<string | null>(linked);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [watching, setWatching] = useState(false);

  useEffect(() => {
    actions.refreshReview().catch((e: Error) => setMessage({ text: e.message, error: true }));
  }, [actions]);

  // Pending: one row per case (oldest first: it expires first), led by its best sighting.
  const rows = useMemo(() => queueRows([...review.values()]), [review]);
  const list = useMemo(() => {
    const all = [...review.values()];
    return show === 'pending'
      ? rows.map((r) => r.lead)
      : all.filter((c) => c.status !== 'pending').sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''));
  }, [review, rows, show]);
  const picked = selected ? review.get(selected) : undefined;
  // A sighting picked inside a case shows the case's lead, which the decision is about.
  const shown =
    picked && (picked.status !== 'pending' || show === 'decided' ? picked : (rowOf(rows, picked.id)?.lead ?? picked));
  const current = shown || list[0] || null;
  const row = current?.status === 'pending' ? rowOf(rows, current.id) : undefined;
  const wholeCase = !!row?.caseId && row.open && row.pending.length > 1;

  // Claim the candidate on screen while it is pending and not someone else's.
  useEffect(() => {
    if (current?.status !== 'pending' || current.claimedBy === user?.username) return;
    if (current.claimedBy && current.claimedUntil && Date.parse(current.claimedUntil) > Date.now()) return;
    api.claim(current.id).then(
      (c) => store.mergeCandidates([c]),
      (e: Error) => setMessage({ text: e.message, error: true }),
    );
  }, [current?.id, current?.status]);

  useEffect(() => {
    setVerdict(null);
    setReason('');
  }, [current?.id]);

  // The hub announces a candidate as soon as its report arrives, before the edge box has
  // uploaded the pictures; each verified file comes as an `updated` event. Asking again while
  // they are missing covers a socket that reconnects in between.
  const uploading = !!current && current.status === 'pending' && current.files.some((f) => !f.verified && !f.deleted);
  useEffect(() => {
    if (!uploading || !current) return;
    const id = current.id;
    const t = setInterval(
      () =>
        api.candidate(id).then(
          (c) => store.mergeCandidates([c]),
          () => undefined,
        ),
      1000,
    );
    return () => clearInterval(t);
  }, [uploading, current?.id]);

  const move = (d: number) => {
    if (!list.length) return;
    const i = current ? list.findIndex((c) => c.id === current.id) : -1;
    setSelected(list[Math.max(0, Math.min(list.length - 1, i + d))]!.id);
  };
  const choose = (v: Verdict) => {
    if (current?.status !== 'pending') return;
    setVerdict(v);
    setTimeout(() => reasonRef.current?.focus());
  };
  const decide = async () => {
    if (!current || !verdict) return;
    if (reason.trim().length < 3) return setMessage({ text: 'Give a reason (at least 3 characters).', error: true });
    setBusy(true);
    try {
      const d = { verdict, reason: reason.trim() };
      if (wholeCase) {
        // One decision for every sighting of the case: one alert, or every image deleted.
        const k = await api.post<ReviewCaseDetail>(`/api/review/cases/${encodeURIComponent(row!.caseId!)}/decision`, d);
        store.mergeCandidates(k.candidates);
        const n = `${k.sightings} sightings`;
        const text =
          verdict === 'confirm'
            ? `Confirmed: one gallery-match alert for the case's ${n}.`
            : `Rejected: the images of all ${n} are deleted.`;
        setMessage({ text });
      } else {
        store.mergeCandidates([await api.decide(current.id, d)]);
        const text =
          verdict === 'confirm'
            ? 'Confirmed: a gallery-match alert has been raised.'
            : 'Rejected: the face images and clip are deleted.';
        setMessage({ text });
      }
      setSelected(null);
    } catch (e) {
      setMessage({ text: (e as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  useHotkeys({
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    y: () => choose('confirm'),
    n: () => choose('reject'),
    f: () => setShow((s) => (s === 'pending' ? 'decided' : 'pending')),
  });

  const claimedByOther =
    current?.status === 'pending' &&
    current.claimedBy &&
    current.claimedBy !== user?.username &&
    current.claimedUntil &&
    Date.parse(current.claimedUntil) > now;

  return (
    <div class="review-screen">
      <section class="review-list" aria-labelledby="rq-title">
        <div class="toolbar">
          <h2 id="rq-title">Review queue</h2>
          <div class="seg" role="radiogroup" aria-label="Show" onKeyDown={radioGroupKeys}>
            {(['pending', 'decided'] as const).map((s) => (
              // biome-ignore lint/a11y/useSemanticElements: a WAI-ARIA radio group of buttons; arrows: radioGroupKeys
              <button
                type="button"
                role="radio"
                aria-checked={show === s}
                class={show === s ? 'on' : ''}
                onClick={() => setShow(s)}
              >
                {s === 'pending' ? `Pending (${rows.length})` : 'Decided'}
              </button>
            ))}
          </div>
        </div>
        {list.length === 0 ? (
          <p class="empty">{show === 'pending' ? 'No candidates waiting for review.' : 'No decisions yet.'}</p>
        ) : (
          <ul class="cand-list" aria-label="Candidates">
            {list.map((c) => (
              <li>
                <button
                  type="button"
                  class={`cand${c.id === current?.id ? ' selected' : ''}`}
                  aria-current={c.id === current?.id}
                  onClick={() => setSelected(c.id)}
                  data-testid="candidate"
                  data-candidate-id={c.id}
                  data-case-id={c.caseId ?? undefined}
                >
                  <b>{c.subjectAlias ?? c.subjectId}</b> <span class="score">{Math.round(c.score * 100)}%</span>
                  {show === 'pending' && <CaseSummary row={rowOf(rows, c.id)} />}
                  <span class="muted small">
                    {`${placeOf({ store: c.store, zone: c.zone ?? '' }, scheme).store ?? c.zone} · ` +
                      `camera ${c.cameraId} · `}
                    {age(c.capturedAt, now)} ago
                  </span>
                  {c.status !== 'pending' && (
                    <span class={`tag ${c.status === 'confirmed' ? 'hot' : ''}`}>{c.status}</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="review-detail" aria-label="Candidate">
        {message && (
          <p
            class={`notice${message.error ? ' error' : ''}`}
            role={message.error ? 'alert' : 'status'}
            data-testid="review-message"
          >
            {message.text}
          </p>
        )}
        {current ? (
          <article data-testid="candidate-detail" data-candidate-id={current.id}>
            <h2>
              Possible match: {current.subjectAlias ?? current.subjectId}{' '}
              <span class="muted">({Math.round(current.score * 100)}% score)</span>
            </h2>
            <p class="muted">
              {placeOf({ store: current.store, zone: current.zone ?? '' }, scheme).store ?? current.zone} · camera{' '}
              {current.cameraId} · captured {clock(current.capturedAt)} · {current.frames} frames · distance{' '}
              {current.distance.toFixed(3)} · recorder clock {current.clockOffsetMs >= 0 ? '+' : ''}
              {current.clockOffsetMs} ms
            </p>
            {row && row.pending.length > 1 && <CaseSummary row={row} full />}
            <Evidence c={current} />
            {(user?.role === 'operator' || user?.role === 'admin') && (
              <button type="button" class="btn ghost" data-testid="candidate-live" onClick={() => setWatching(true)}>
                Watch camera {current.cameraId} live
              </button>
            )}
            {watching && (
              <LiveDialog
                deviceId={current.deviceId}
                cameraId={current.cameraId}
                title={`camera ${current.cameraId}`}
                reason={`reviewing candidate ${current.id}`}
                onDone={() => setWatching(false)}
              />
            )}
            {current.status === 'pending' ? (
              <Decision
                c={current}
                sightings={wholeCase ? row!.pending.length : 1}
                claimedByOther={claimedByOther ? current.claimedBy : null}
                verdict={verdict}
                reason={reason}
                busy={busy}
                reasonRef={reasonRef}
                onVerdict={choose}
                onReason={setReason}
                onSubmit={() => void decide()}
              />
            ) : (
              <p class={`decided st-${current.status}`} data-testid="verdict">
                {current.status === 'expired'
                  ? 'Expired unreviewed'
                  : `${current.status === 'confirmed' ? 'Confirmed' : 'Rejected'} by ${current.decidedBy ?? '?'}`}
                {current.decidedAt ? ` at ${clock(current.decidedAt)}` : ''}: “{current.reason}”
                {current.alertId ? ' · alert raised' : ''}
              </p>
            )}
            {current.status === 'confirmed' && <ExportButton target={{ candidateId: current.id }} />}
          </article>
        ) : (
          <p class="empty">Select a candidate.</p>
        )}
      </section>
    </div>
  );
}
