import type { UserInfo } from '@shopwatch/protocols';
import { useEffect, useRef } from 'preact/hooks';
import { Console } from './console/console';
import { cardRedirect, rememberCard } from './core/card-link';
import { type AppServices, Services } from './core/context';
import { isControlRoom } from './core/labels';
import { linkClick, navigate, usePath } from './core/router';
import { FieldApp } from './field/field-app';
import { Login } from './ui/login';

export function App(props: {
  services: AppServices;
  session: { user: UserInfo } | null;
  onLogin: (u: string, p: string) => Promise<void>;
}) {
  const path = usePath();
  const { session } = props;
  const controlRoom = isControlRoom(session?.user.role);
  const home = controlRoom ? '/console/alerts' : '/field';
  const card = cardRedirect(path);
  if (!session && card) rememberCard(path);
  const redirect = !session
    ? path === '/login'
      ? null
      : '/login'
    : card
      ? card
      : path === '/' || path === '/login'
        ? home
        : path.startsWith('/console') && !controlRoom
          ? '/field'
          : null;

  useEffect(() => {
    if (redirect) navigate(redirect, true);
  }, [redirect]);

  // One delegate keeps same-origin links in the page. It listens on the app's root rather than
  // through an onClick prop on a <div>: the clicks it handles are the links' own (a link is
  // reached by Tab and followed with Enter, which fires the same click), so the <div> itself is
  // not interactive and needs no role or key handler.
  const root = useRef<HTMLDivElement>(null);
  const signedIn = session !== null;
  useEffect(() => {
    const el = root.current;
    el?.addEventListener('click', linkClick);
    return () => el?.removeEventListener('click', linkClick);
  }, [signedIn]);

  if (!session) return <Login onLogin={props.onLogin} />;
  return (
    <Services.Provider value={props.services}>
      <div class="app" ref={root}>
        {path.startsWith('/console') && controlRoom ? <Console path={path} /> : <FieldApp controlRoom={controlRoom} />}
      </div>
    </Services.Provider>
  );
}
