import type { HubConfig } from '../../config';
import { logger } from '../../log';
import { openDatabase } from '../sqlite';
import { MigrateRefused, migrateToPostgres } from './migrate-to';

/**
 * `npm run hub -- migrate-to postgres://…`: copies the data folder's SQLite database into an empty
 * PostgreSQL database and prints the rows of each table on both sides. Exit code 0 only when
 * every count matches; 1 when refused or different.
 */
export async function migrateTo(url: string, config: HubConfig): Promise<number> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    console.error('migrate-to needs a postgres:// URL');
    return 2;
  }
  const log = logger('hub:migrate');
  const db = openDatabase(config.dataDir, log);
  try {
    const counts = await migrateToPostgres(db, url, log);
    const wrong = counts.filter((c) => c.sqlite !== c.postgres);
    for (const c of counts) {
      console.log(
        `${c.table.padEnd(22)} sqlite ${String(c.sqlite).padStart(8)}  postgres ${String(c.postgres).padStart(8)}`,
      );
    }
    if (wrong.length) {
      console.error(`row counts differ in ${wrong.map((c) => c.table).join(', ')}`);
      return 1;
    }
    console.log(`copied ${counts.reduce((n, c) => n + c.sqlite, 0)} rows in ${counts.length} tables; counts match`);
    return 0;
  } catch (err) {
    if (!(err instanceof MigrateRefused)) throw err;
    console.error(`migrate-to refused: ${err.message}`);
    return 1;
  } finally {
    db.close();
  }
}
