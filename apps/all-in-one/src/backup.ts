import { ConfigError, DataDirInUseError, backupDataDir, baseConfigSchema, loadConfig, pgliteDir, restoreDataDir } from '@expensio/common';

const USAGE = 'usage: npm run backup -- FILE.tar.gz | npm run restore -- FILE.tar.gz';

// `npm run backup -- FILE` and `npm run restore -- FILE` for the embedded database, with the
// server stopped (README, "Backups"). On PostgreSQL, pg_dump and pg_restore do this.
async function main() {
  const [command, file] = process.argv.slice(2);
  const config = loadConfig(baseConfigSchema);
  if (config.DATABASE_URL !== undefined) {
    console.error('DATABASE_URL is set: back up PostgreSQL with pg_dump and pg_restore (README, "Backups").');
    process.exitCode = 2;
    return;
  }
  if ((command !== 'backup' && command !== 'restore') || file === undefined) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (command === 'backup') {
    const bytes = await backupDataDir(config.DATA_DIR, file);
    console.log(`Backed up ${pgliteDir(config.DATA_DIR)} to ${file} (${String(bytes)} bytes)`);
  } else {
    await restoreDataDir(file, config.DATA_DIR);
    console.log(`Restored ${file} into ${pgliteDir(config.DATA_DIR)}`);
  }
}

main().catch((error: unknown) => {
  if (error instanceof DataDirInUseError) {
    console.error(`${error.message}\nA backup or restore needs the server stopped: PGlite's files are consistent only when no process has them open.`);
  } else {
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
