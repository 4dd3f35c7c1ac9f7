import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Actions } from './actions';
import type { Api } from './api';
import type { Store } from './store';

export interface AppServices {
  api: Api;
  store: Store;
  actions: Actions;
  logout: () => void;
}

export const Services = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const s = useContext(Services);
  if (!s) throw new Error('useServices outside <Services.Provider>');
  return s;
}
