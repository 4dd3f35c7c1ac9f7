// Worker threads do not inherit the TypeScript loader the hub runs under (Node 20): register
// tsx here, then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./listing-worker.ts');
