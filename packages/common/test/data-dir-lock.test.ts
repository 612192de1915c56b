import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir, openDatabase } from '@expensio/common';

const folders: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'expensio-lock-'));
  folders.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('one process per embedded DATA_DIR', () => {
  it('refuses a second open of the same folder and frees it on close', async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ dataDir });
    try {
      await expect(openDatabase({ dataDir })).rejects.toThrow(DataDirInUseError);
      await expect(openDatabase({ dataDir })).rejects.toThrow(/already open in process \d+.*stop that process first/);
      // The first keeps working: the refused open touched nothing.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(first.kysely);
      expect(rows).toEqual([{ one: 1 }]);
      expect(readFileSync(path.join(dataDir, 'pglite', LOCK_FILE), 'utf8')).toBe(String(process.pid));
    } finally {
      await first.close();
    }
    expect(existsSync(path.join(dataDir, 'pglite', LOCK_FILE))).toBe(false);
    const again = await openDatabase({ dataDir });
    await again.close();
    // Three real embedded databases are initialised here (~20 s on a quiet 2-core machine; a loaded
    // one took 66 s): the limit only catches a hang.
  }, 240_000);

  it('takes over a lock left by a process that is gone', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), String(deadPid()));
    const lock = lockDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a lock held by another live process', () => {
    const dir = tempDir();
    // The parent of the test runner is alive for as long as the test runs.
    writeFileSync(path.join(dir, LOCK_FILE), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(String(process.ppid));
  });
});
