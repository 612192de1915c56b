import type { MigrationSet } from '@expensio/common';
import { financeMigrations } from '@expensio/finance';
import { identityMigrations } from '@expensio/identity';
import { realtimeMigrations } from '@expensio/realtime';

/** Every service's schema, in the order they are built (and the reverse order they are rolled back). */
export function allMigrationSets(): MigrationSet[] {
  return [identityMigrations(), financeMigrations(), realtimeMigrations()];
}
