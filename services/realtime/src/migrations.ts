import { fileURLToPath } from 'node:url';
import { eventTablesMigration, loadMigrations, type MigrationSet } from '@expensio/common';
import { REALTIME_SCHEMA } from './db.js';

export function realtimeMigrations(): MigrationSet {
  return {
    schema: REALTIME_SCHEMA,
    migrations: [
      // The inbox its consumers keep (and an outbox, for what it publishes in turn), ADR 0006.
      eventTablesMigration(1),
      ...loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url))),
    ].sort((a, b) => a.version - b.version),
  };
}
