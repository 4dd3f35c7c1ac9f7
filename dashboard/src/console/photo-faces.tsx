import { useEffect, useState } from 'preact/hooks';
import type { ErrorBody } from '@shopwatch/protocols';

export type FoundFaces = NonNullable<ErrorBody['faces']>;

/**
 * The refused photo, from the coordinator's own file (it never came back from the hub), with the
 * faces the hub found drawn on it — so "the photo holds 3 faces" shows which three, and what to
 * crop. Boxes come in pixels of a `width` × `height` rendering; the SVG's viewBox uses the same
 * units, so they line up at any preview size.
 */
export function FacesPreview(props: { file: Blob; faces: FoundFaces }) {
  const { file, faces } = props;
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  if (!url) return null;
  const label = faces.boxes.length === 1 ? '1 face found' : `${faces.boxes.length} faces found`;
  return (
    <figure class="faces-preview" data-testid="photo-faces">
      <div class="faces-preview-frame">
        <img src={url} alt="The refused upload, with the faces found marked" />
        <svg viewBox={`0 0 ${faces.width} ${faces.height}`} preserveAspectRatio="none" aria-hidden="true">
          {faces.boxes.map((b, i) => (
            <g key={i} data-testid="face-box">
              <rect x={b.x} y={b.y} width={b.w} height={b.h} class="face-rect" vector-effect="non-scaling-stroke" />
              <text x={b.x} y={Math.max(b.y - 6, 14)} class="face-label">{`${i + 1}`}</text>
            </g>
          ))}
        </svg>
      </div>
      <figcaption>
        {label}
        {faces.boxes.length ? `: ${faces.boxes.map((b, i) => `${i + 1}) ${Math.round(b.w)} px`).join(', ')}` : ''}
      </figcaption>
    </figure>
  );
}
