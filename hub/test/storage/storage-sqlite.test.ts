import { logger, setLogLevel } from '../../src/log';
import { openStorage } from '../../src/storage/open';
import { storageContract } from './contract';

setLogLevel('warn');

// The embedded engine: one SQLite file in the data dir, opened exactly as the hub opens it.
storageContract('SQLite', (dir) => openStorage({ dataDir: dir, sync: 'full' }, logger('test:storage')));
