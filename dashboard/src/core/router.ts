import { useEffect, useState } from 'preact/hooks';

/** Path routing with the History API; the hub answers any unknown path with index.html. */
export function navigate(path: string, replace = false) {
  if (location.pathname + location.search === path) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return path;
}

/** Intercepts clicks on same-origin links so navigation stays in the page. */
export function linkClick(e: MouseEvent) {
  const a = (e.target as Element).closest('a');
  // A download link (the audit CSV, the subject access export) is a file from the hub, not a screen.
  if (!a || a.target || a.hasAttribute('download') || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
