import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The configured key, or (outside production) one made on first start and kept in the data folder, so sealed secrets survive a restart. */
export function loadSealingKey(options: { key: Buffer | undefined; dataDir: string }): Buffer {
  if (options.key !== undefined) return options.key;
  const file = path.resolve(options.dataDir, 'keys', 'totp-secret.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
