import { useEffect, useState } from 'preact/hooks';
import type { ReviewCandidate } from '@shopwatch/protocols';
import { useServices } from '../core/context';

/** Loads one protected file as an object URL, and revokes it when the view goes away. */
function useBlob(path: string | null): { url: string | null; error: string | null } {
  const { api } = useServices();
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  useEffect(() => {
    if (!path) return setState({ url: null, error: null });
    let url: string | null = null;
    let live = true;
    setState({ url: null, error: null });
    api.blobUrl(path).then(
      (u) => (live ? setState({ url: (url = u), error: null }) : URL.revokeObjectURL(u)),
      (e: Error) => live && setState({ url: null, error: e.message }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [path]);
  return state;
}

/**
 * What to say while there is no clip to play. The clip follows the candidate by the post-roll
 * (~10–20 s) and keeps coming after a confirmation; the hub's `updated` event brings it here.
 */
const CLIP_STATE: Record<ReviewCandidate['clipState'], (c: ReviewCandidate) => string> = {
  arriving: () => 'Clip arriving from the edge box…',
  ready: () => 'Clip ready.',
  none: (c) => `No clip: ${c.clip?.error ?? 'the edge box sent none'}.`,
  deleted: (c) => `Clip deleted (candidate ${c.status}).`,
};

/** The camera's face crop beside the gallery photo, then the frame and the clip on request. */
export function Evidence(props: { c: ReviewCandidate }) {
  const { c } = props;
  const { api } = useServices();
  const [photoPath, setPhotoPath] = useState<string | null>(null);
  const [photoNote, setPhotoNote] = useState<string | null>(null);
  const [showClip, setShowClip] = useState(false);
  const [showFrame, setShowFrame] = useState(false);
  const file = (kind: 'crop' | 'frame' | 'clip') =>
    c.files.find((f) => f.kind === kind && f.verified && !f.deleted) ?? null;
  const crop = file('crop');
  const cropState = crop
    ? null
    : c.files.some((f) => f.kind === 'crop' && !f.deleted)
      ? 'Uploading from the edge box…'
      : 'Deleted';
  const clip = file('clip');
  const frame = file('frame');
  const frameImg = useBlob(
    showFrame && frame ? `/api/review/${encodeURIComponent(c.id)}/files/${encodeURIComponent(frame.name)}` : null,
  );
  const cropImg = useBlob(
    crop ? `/api/review/${encodeURIComponent(c.id)}/files/${encodeURIComponent(crop.name)}` : null,
  );
  const photo = useBlob(photoPath);
  const clipVideo = useBlob(
    showClip && clip ? `/api/review/${encodeURIComponent(c.id)}/files/${encodeURIComponent(clip.name)}` : null,
  );

  useEffect(() => {
    setShowClip(false);
    setShowFrame(false);
    setPhotoPath(null);
    setPhotoNote(null);
    api.subject(c.subjectId).then(
      (s) => {
        const p = s.photos.find((x) => !x.deleted);
        if (p) setPhotoPath(`/api/gallery/subjects/${encodeURIComponent(s.id)}/photos/${encodeURIComponent(p.id)}`);
        else setPhotoNote(s.state === 'active' ? 'No gallery photo on file.' : `Subject is ${s.state}.`);
      },
      (e: Error) => setPhotoNote(e.message),
    );
  }, [c.id, c.subjectId]);

  return (
    <div class="evidence">
      <div class="faces">
        <figure>
          <div class="face-box" data-testid="candidate-crop">
            {cropImg.url ? (
              <img src={cropImg.url} alt={`Face seen by camera ${c.cameraId}`} />
            ) : (
              <span class="muted">{crop ? (cropImg.error ?? 'Loading…') : cropState}</span>
            )}
          </div>
          <figcaption>Camera {c.cameraId}</figcaption>
        </figure>
        <figure>
          <div class="face-box" data-testid="gallery-photo">
            {photo.url ? (
              <img src={photo.url} alt={`Enrolled face of ${c.subjectAlias ?? c.subjectId}`} />
            ) : (
              <span class="muted">{photoNote ?? photo.error ?? 'Loading…'}</span>
            )}
          </div>
          <figcaption>Gallery: {c.subjectAlias ?? c.subjectId}</figcaption>
        </figure>
      </div>
      {frame && (
        <div class="frame">
          {showFrame ? (
            frameImg.url ? (
              <img src={frameImg.url} alt={`Whole camera frame from ${c.cameraId}`} />
            ) : (
              <span class="muted">{frameImg.error ?? 'Loading frame…'}</span>
            )
          ) : (
            <button type="button" class="btn" onClick={() => setShowFrame(true)}>
              Show the whole frame
            </button>
          )}
        </div>
      )}
      <div class="clip" data-testid="candidate-clip" data-state={c.clipState}>
        {clip ? (
          showClip ? (
            clipVideo.url ? (
              <video src={clipVideo.url} controls autoPlay muted aria-label="Evidence clip" />
            ) : (
              <span class="muted">{clipVideo.error ?? 'Loading clip…'}</span>
            )
          ) : (
            <button type="button" class="btn" onClick={() => setShowClip(true)}>
              Play clip{c.clip?.durationSeconds ? ` (${Math.round(c.clip.durationSeconds)} s)` : ''}
            </button>
          )
        ) : (
          <span class="muted" role="status">
            {CLIP_STATE[c.clipState](c)}
          </span>
        )}
      </div>
    </div>
  );
}
