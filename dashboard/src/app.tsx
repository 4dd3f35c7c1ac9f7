import type { UserInfo } from '@shopwatch/protocols';
import { useEffect } from 'preact/hooks';
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

  if (!session) return <Login onLogin={props.onLogin} />;
  return (
    <Services.Provider value={props.services}>
      <div class="app" onClick={linkClick}>
        {path.startsWith('/console') && controlRoom ? <Console path={path} /> : <FieldApp controlRoom={controlRoom} />}
      </div>
    </Services.Provider>
  );
}
