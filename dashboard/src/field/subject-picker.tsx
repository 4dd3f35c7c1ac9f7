import { useEffect, useState } from 'preact/hooks';
import type { SubjectHit } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { reasonLabel } from './match-panel';

/**
 * Picks a gallery subject by alias for a "known offender" raise, so the alert carries the
 * subject's photo, reason and notices. Each search is audited by the hub like any list view.
 */
export function SubjectPicker(props: { chosen: SubjectHit | null; onChoose: (s: SubjectHit | null) => void }) {
  const { api } = useServices();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SubjectHit[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const needle = q.trim();
    if (!needle) return setHits([]);
    // Wait for a pause in typing: one search (and one audit entry) per word, not per key.
    const t = setTimeout(() => {
      api.get<SubjectHit[]>(`/api/gallery/search?q=${encodeURIComponent(needle)}`).then(
        (h) => (setHits(h), setError(null)),
        (e: Error) => setError(e.message),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  if (props.chosen) {
    return (
      <p class="subject-chosen" data-testid="subject-chosen">
        Gallery subject: <b>{props.chosen.alias}</b> ({reasonLabel(props.chosen.reason)}){' '}
        <button type="button" class="btn ghost small" onClick={() => props.onChoose(null)}>
          Remove
        </button>
      </p>
    );
  }
  return (
    <div class="subject-picker">
      <label class="msg">
        Gallery subject (optional, search by alias)
        <input
          type="search"
          maxLength={80}
          value={q}
          placeholder="e.g. Razor"
          onInput={(e) => setQ(e.currentTarget.value)}
        />
      </label>
      {error && <p class="error small">{error}</p>}
      {hits.length > 0 && (
        <ul class="subject-hits" aria-label="Matching subjects">
          {hits.map((h) => (
            <li>
              <button type="button" class="btn ghost small" onClick={() => (props.onChoose(h), setQ(''), setHits([]))}>
                {h.alias} · {reasonLabel(h.reason)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
