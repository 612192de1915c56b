import { fileURLToPath } from 'node:url';
import { loadMigrations, type MigrationSet } from '@expensio/common';
import { IDENTITY_SCHEMA } from './db.js';

export function identityMigrations(): MigrationSet {
  return {
    schema: IDENTITY_SCHEMA,
    migrations: loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
  };
}
