import type { AnyKysely } from './connect.js';
import { migrateDown, migrateUp, migrationStatus, type MigrationSet } from './migrations.js';

const USAGE = 'usage: migrate up | down [n] | status';

function label(m: { version: number; name: string }) {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

/**
 * `migrate up | down [n] | status` over the given services' migration sets. `down` walks the sets
 * in reverse so a service that depends on another's schema is rolled back first.
 */
export async function runMigrationCli(args: string[], db: AnyKysely, sets: MigrationSet[], print: (line: string) => void = console.log): Promise<number> {
  const [command, countText] = args;
  switch (command) {
    case 'up': {
      for (const set of sets) {
        const applied = await migrateUp(db, set);
        print(applied.length === 0 ? `${set.schema}: up to date` : `${set.schema}: applied ${applied.map(label).join(', ')}`);
      }
      return 0;
    }
    case 'down': {
      const steps = countText === undefined ? 1 : Number(countText);
      if (!Number.isInteger(steps) || steps < 1) {
        print(`down takes a positive number of steps, got "${countText ?? ''}"`);
        return 2;
      }
      for (const set of [...sets].reverse()) {
        const reverted = await migrateDown(db, set, steps);
        print(reverted.length === 0 ? `${set.schema}: nothing to roll back` : `${set.schema}: rolled back ${reverted.map(label).join(', ')}`);
      }
      return 0;
    }
    case 'status': {
      for (const set of sets) {
        for (const row of await migrationStatus(db, set)) {
          print(`${set.schema}\t${label(row)}\t${row.state}${row.appliedAt ? `\t${row.appliedAt.toISOString()}` : ''}`);
        }
      }
      return 0;
    }
    default:
      print(USAGE);
      return 2;
  }
}
