import { useEffect, useState } from 'preact/hooks';
import type { FieldGallery } from '@shopwatch/protocols';
import { useServices } from '../core/context';
import { useStore } from '../core/store';
import { ExclusionNotice, reasonLabel } from './match-panel';
import { PrivateImage } from './private-image';

/**
 * The scheme's active gallery for store staff and wardens, with the exclusion notices that
 * cover their store. Held in this component's memory only: the hub audits the list and each
 * photo, answers `no-store`, and the photos' object URLs are revoked on leaving or signing out.
 */
export function FieldGalleryScreen(props: { onBack: () => void }) {
  const { api, store } = useServices();
  const scheme = useStore(store, (s) => s.scheme);
  const [g, setG] = useState<FieldGallery | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.get<FieldGallery>('/api/field/gallery').then(setG, (e: Error) => setError(e.message));
  }, []);

  return (
    <section class="field-gallery" aria-labelledby="gallery-h" data-testid="field-gallery">
      <header class="field-top">
        <h2 id="gallery-h">Gallery {g && <span class="count">{g.subjects.length}</span>}</h2>
        <button type="button" class="btn ghost small" onClick={props.onBack}>
          Back to alerts
        </button>
      </header>
      <p class="small muted">Every view is recorded. Pictures are not kept on this device.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {g && g.subjects.length === 0 && <p class="empty">No active subjects in the gallery.</p>}
      <div class="field-gallery-list">
        {g?.subjects.map((s) => (
          <article class="card" data-testid="gallery-subject" data-subject-id={s.id} aria-label={s.alias}>
            {s.photoUrls[0] ? (
              <PrivateImage path={s.photoUrls[0]} alt={`Gallery photo of ${s.alias}`} testId="gallery-photo" />
            ) : (
              <span class="private-img missing" role="img" aria-label="No photo" />
            )}
            <p class="match-who">
              <b>{s.alias}</b>
            </p>
            <p class="small">
              {reasonLabel(s.reason)} · {s.status === 'known' ? 'Known' : 'Identity sought'}
            </p>
            {s.exclusions.map((x) => (
              <ExclusionNotice x={x} scheme={scheme} />
            ))}
          </article>
        ))}
      </div>
    </section>
  );
}
