import { createHash } from 'node:crypto';

/**
 * What makes two imported rows the same transaction: the account, UTC day, type, amount and
 * description. The md5 is the one the database held since migration 0007 (and restore computes in
 * SQL, export/restore-repo.ts), the description last so no separator inside it can make two rows
 * collide.
 */
export function importFingerprint(accountId: string, row: { occurredAt: Date; type: string; amount: bigint; description: string | null }): string {
  const day = row.occurredAt.toISOString().slice(0, 10);
  return createHash('md5')
    .update(`${accountId}|${day}|${row.type}|${row.amount.toString()}|${row.description ?? ''}`, 'utf8')
    .digest('hex');
}
