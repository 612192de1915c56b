import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The name of the file that marks an embedded data folder as open. */
export const LOCK_FILE = 'expensio.lock';

/** Another live process has the embedded database open: opening it too would lose one side's writes. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is already open in process ${pid}. Only one process may use a DATA_DIR at a time: ` +
        `stop that process first, or give this one another DATA_DIR.`,
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes `dir/expensio.lock` with an exclusive create holding this process's pid. A lock left by a
 * process that is gone (a crash, a kill -9) is taken over; one held by a live process, this one
 * included, is refused. The lock goes on release or when the process exits.
 */
export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, LOCK_FILE);
  const own = String(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, own, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner !== undefined && isAlive(owner)) throw new DataDirInUseError(dir, owner);
      // Stale (or half written by a process that died at once): remove it and race for it again.
      if (attempt >= 2) throw new DataDirInUseError(dir, owner ?? 0);
      try {
        unlinkSync(file);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (readOwner(file) === process.pid) unlinkSync(file);
    } catch {
      // Already gone, or the folder is: nothing left to release.
    }
  };
  process.on('exit', release);
  return { release };
}
