import { ConfigError, openDatabase, runMigrationCli } from '@expensio/common';
import { loadFinanceConfig } from './config.js';
import { financeMigrations } from './migrations.js';

async function main() {
  const config = loadFinanceConfig();
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    process.exitCode = await runMigrationCli(process.argv.slice(2), database.kysely, [financeMigrations()]);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
