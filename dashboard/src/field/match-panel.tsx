import type { AlertMatch, MatchExclusion, SchemeInfo } from '@shopwatch/protocols';
import { REASONS } from '../console/gallery-labels';
import { PrivateImage } from './private-image';

const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const time = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
export const reasonLabel = (r: string) => (REASONS as Record<string, string>)[r] ?? r;

/** Where a notice applies, by store and zone name. */
export function noticePlaces(x: MatchExclusion, scheme: SchemeInfo | null) {
  const stores = x.stores.map((s) => scheme?.stores.find((y) => y.id === s)?.name ?? s);
  const zones = x.zones.map((z) => `zone ${scheme?.zones.find((y) => y.id === z)?.name ?? z}`);
  return [...stores, ...zones].join(', ');
}

export function ExclusionNotice(props: { x: MatchExclusion; scheme: SchemeInfo | null }) {
  const { x } = props;
  return (
    <p class="exclusion-notice" data-testid="exclusion-notice">
      <b>Exclusion notice</b>: {noticePlaces(x, props.scheme)} until {day(x.endsAt)}.{' '}
      <span class="small muted">Appeal: {x.appealRoute}</span>
    </p>
  );
}

/**
 * The subject of a gallery-match or known-offender alert, as staff need it on a phone: the
 * gallery photo and the camera's crop side by side and large, alias, reason, any notice.
 */
export function MatchPanel(props: { m: AlertMatch; scheme: SchemeInfo | null }) {
  const { m } = props;
  return (
    <section class="match-panel" data-testid="alert-match" aria-label={`Subject: ${m.alias}`}>
      {(m.photoUrl || m.cropUrl) && (
        <div class="match-pics">
          {m.photoUrl && (
            <figure>
              <PrivateImage path={m.photoUrl} alt={`Gallery photo of ${m.alias}`} testId="match-photo" />
              <figcaption>Gallery photo</figcaption>
            </figure>
          )}
          {m.cropUrl && (
            <figure>
              <PrivateImage path={m.cropUrl} alt={`Camera picture matched to ${m.alias}`} testId="match-crop" />
              <figcaption>
                Camera {m.cameraId}
                {m.seenAt ? ` · ${time(m.seenAt)}` : ''}
              </figcaption>
            </figure>
          )}
        </div>
      )}
      <p class="match-who">
        <b data-testid="match-alias">{m.alias}</b> · <span data-testid="match-reason">{reasonLabel(m.reason)}</span>
      </p>
      {m.exclusions.map((x) => (
        <ExclusionNotice x={x} scheme={props.scheme} />
      ))}
    </section>
  );
}
