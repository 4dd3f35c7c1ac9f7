import { MemorySpool } from '../../src/spool/memory-spool';
import { spoolContract } from './contract';

spoolContract(
  'MemorySpool',
  (opts) => new MemorySpool(opts),
  (spool, id, name) => spool.read(id, name)!,
);
