import fs from 'node:fs';
import path from 'node:path';
import { composeHaproxyConfig } from '../hub/src/cluster/haproxy-config';

// `npm run haproxy:config`: rewrites deploy/haproxy.cfg (the front door of the compose `cluster`
// profile) from the one generator the cluster tests use too; a test fails when they differ.
const file = path.resolve(import.meta.dirname, '../deploy/haproxy.cfg');
fs.writeFileSync(file, composeHaproxyConfig());
console.log(`wrote ${path.relative(process.cwd(), file)}`);
