import { useEffect, useState } from 'preact/hooks';
import { useServices } from '../core/context';

/**
 * Pictures of people (gallery photos, camera crops) live only as object URLs in this page's
 * memory: fetched with the token (the hub answers `no-store`, so neither the HTTP cache nor a
 * service worker keeps them), never copied to localStorage or IndexedDB, and revoked when the
 * picture leaves the screen or the user signs out.
 */
const live = new Set<string>();

/** Revokes every picture still shown; called on sign-out before the session is dropped. */
export function revokePrivateImages() {
  for (const u of live) URL.revokeObjectURL(u);
  live.clear();
}

export function PrivateImage(props: { path: string; alt: string; class?: string; testId?: string }) {
  const { api } = useServices();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let current: string | null = null;
    let gone = false;
    setFailed(null);
    api.blobUrl(props.path).then(
      (u) => {
        if (gone) return URL.revokeObjectURL(u);
        current = u;
        live.add(u);
        setUrl(u);
      },
      (e: Error) => !gone && setFailed(e.message),
    );
    return () => {
      gone = true;
      if (current) {
        URL.revokeObjectURL(current);
        live.delete(current);
      }
    };
  }, [props.path]);

  const cls = `private-img ${props.class ?? ''}`;
  if (failed) return <span class={`${cls} missing`} role="img" aria-label={`${props.alt}: ${failed}`} />;
  if (!url) return <span class={`${cls} loading`} aria-hidden="true" />;
  return <img class={cls} src={url} alt={props.alt} data-testid={props.testId} />;
}
