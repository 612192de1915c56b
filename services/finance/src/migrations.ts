import { fileURLToPath } from 'node:url';
import { loadMigrations, type MigrationSet } from '@expensio/common';
import { FINANCE_SCHEMA } from './db.js';

export function financeMigrations(): MigrationSet {
  return {
    schema: FINANCE_SCHEMA,
    migrations: loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
  };
}
