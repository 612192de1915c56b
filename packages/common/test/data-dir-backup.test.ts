import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, backupDataDir, openDatabase, restoreDataDir } from '@expensio/common';

const root = mkdtempSync(path.join(tmpdir(), 'expensio-backup-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('npm run backup / restore of the embedded database', () => {
  it('refuses while the database is open, then copies it into another DATA_DIR', async () => {
    const source = path.join(root, 'source');
    const target = path.join(root, 'target');
    const file = path.join(root, 'backup.tar.gz');
    const open = await openDatabase({ dataDir: source });
    try {
      await sql`create table kept (note text)`.execute(open.kysely);
      await sql`insert into kept values ('still here')`.execute(open.kysely);
      await expect(backupDataDir(source, file)).rejects.toThrow(DataDirInUseError);
    } finally {
      await open.close();
    }
    await backupDataDir(source, file);
    await restoreDataDir(file, target);
    // Restoring over a database that exists would lose it: refused.
    await expect(restoreDataDir(file, source)).rejects.toThrow(/already holds a database/);

    const restored = await openDatabase({ dataDir: target });
    try {
      const { rows } = await sql<{ note: string }>`select note from kept`.execute(restored.kysely);
      expect(rows).toEqual([{ note: 'still here' }]);
    } finally {
      await restored.close();
    }
  }, 240_000);
});
