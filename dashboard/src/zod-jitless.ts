import { z } from 'zod';

// zod compiles object parsers with `new Function` unless told not to, and decides so when each
// schema is built. The dashboard's CSP forbids eval (even zod's probe is reported as a
// violation), so this module is imported first, before any schema from @shopwatch/protocols.
z.config({ jitless: true });
