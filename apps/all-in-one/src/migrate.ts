import { ConfigError, baseConfigSchema, loadConfig, openDatabase, runMigrationCli } from '@expensio/common';
import { allMigrationSets } from './services.js';

// `npm run migrate -- up | down [n] | status` for every service's schema.
async function main() {
  const config = loadConfig(baseConfigSchema);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    process.exitCode = await runMigrationCli(process.argv.slice(2), database.kysely, allMigrationSets());
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
