import { ConfigError, openDatabase, runMigrationCli } from '@expensio/common';
import { loadRealtimeConfig } from './config.js';
import { realtimeMigrations } from './migrations.js';

async function main() {
  const config = loadRealtimeConfig();
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    process.exitCode = await runMigrationCli(process.argv.slice(2), database.kysely, [realtimeMigrations()]);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
