// Worker threads start without the parent's TypeScript loader (tests run under vitest, the agent
// under `node --import tsx`): register tsx here, then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
