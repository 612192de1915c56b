import { fileURLToPath } from 'node:url';
import { eventTablesMigration, loadMigrations, type MigrationSet } from '@expensio/common';
import { IDENTITY_SCHEMA } from './db.js';

export function identityMigrations(): MigrationSet {
  return {
    schema: IDENTITY_SCHEMA,
    migrations: [
      ...loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
      // The outbox and inbox of the event bus, from the shared library (ADR 0006).
      eventTablesMigration(2),
    ].sort((a, b) => a.version - b.version),
  };
}
