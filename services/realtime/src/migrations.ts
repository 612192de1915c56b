import { fileURLToPath } from 'node:url';
import { loadMigrations, type MigrationSet } from '@expensio/common';
import { REALTIME_SCHEMA } from './db.js';

export function realtimeMigrations(): MigrationSet {
  return {
    schema: REALTIME_SCHEMA,
    migrations: loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
  };
}
