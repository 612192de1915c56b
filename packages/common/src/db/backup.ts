import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { LOCK_FILE, lockDataDir } from './lock.js';

/** Where the embedded database lives inside DATA_DIR (as openDatabase opens it). */
export function pgliteDir(dataDir: string): string {
  return path.resolve(dataDir, 'pglite');
}

/**
 * Copies the embedded database to a gzipped tarball. PGlite is one process's memory over the
 * folder, so no other process can ask a running server for a consistent copy: this takes the
 * folder's lock, and refuses (DataDirInUseError) while the server runs.
 */
export async function backupDataDir(dataDir: string, file: string): Promise<number> {
  const dir = pgliteDir(dataDir);
  if (!existsSync(dir)) throw new Error(`There is no embedded database in ${dir}`);
  const lock = lockDataDir(dir);
  try {
    const pglite = await PGlite.create({ dataDir: dir });
    try {
      const dump = await pglite.dumpDataDir('gzip');
      const bytes = Buffer.from(await dump.arrayBuffer());
      await writeFile(file, bytes);
      return bytes.length;
    } finally {
      await pglite.close();
    }
  } finally {
    lock.release();
  }
}

/** Loads a backupDataDir tarball into DATA_DIR, which must not hold a database yet. */
export async function restoreDataDir(file: string, dataDir: string): Promise<void> {
  const dir = pgliteDir(dataDir);
  if (existsSync(dir) && readdirSync(dir).some((name) => name !== LOCK_FILE)) {
    throw new Error(`${dir} already holds a database: stop the server and move that folder aside first, then restore into the empty place`);
  }
  const blob = new Blob([await readFile(file)]);
  mkdirSync(dir, { recursive: true });
  const lock = lockDataDir(dir);
  try {
    const pglite = await PGlite.create({ dataDir: dir, loadDataDir: blob });
    try {
      await pglite.query('select 1');
    } finally {
      await pglite.close();
    }
  } finally {
    lock.release();
  }
}
