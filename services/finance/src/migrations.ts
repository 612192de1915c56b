import { fileURLToPath } from 'node:url';
import { eventTablesMigration, loadMigrations, type MigrationSet } from '@expensio/common';
import { FINANCE_SCHEMA } from './db.js';

export function financeMigrations(): MigrationSet {
  return {
    schema: FINANCE_SCHEMA,
    migrations: [
      ...loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
      // The outbox and inbox of the event bus, from the shared library (ADR 0006).
      eventTablesMigration(8),
    ].sort((a, b) => a.version - b.version),
  };
}
