import type { Selectable } from 'kysely';
import { page, pastCursor } from '@expensio/common';
import type { IdentityDb, UsersTable } from '../db.js';

export type UserRow = Selectable<UsersTable>;

const PUBLIC_COLUMNS = ['id', 'email', 'name', 'role', 'email_verified_at', 'locked_at', 'time_zone', 'created_at', 'updated_at'] as const;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: IdentityDb, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export async function findUserById(db: IdentityDb, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Inserts unless the email is taken; undefined then, so the caller answers 409 without a race. */
export async function insertUser(
  db: IdentityDb,
  params: { id: string; email: string; name: string | null; passwordHash: string | null; role: 'user' | 'admin'; timeZone?: string | undefined; now: Date },
): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values({
      id: params.id,
      email: normaliseEmail(params.email),
      name: params.name,
      password_hash: params.passwordHash,
      role: params.role,
      time_zone: params.timeZone,
      password_changed_at: params.passwordHash === null ? null : params.now,
      created_at: params.now,
      updated_at: params.now,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateUser(
  db: IdentityDb,
  id: string,
  changes: Partial<
    Pick<UserRow, 'name' | 'time_zone' | 'password_hash' | 'role' | 'email_verified_at' | 'locked_at' | 'locked_reason' | 'password_changed_at'>
  >,
  now: Date,
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...changes, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function listUsers(
  db: IdentityDb,
  params: { limit: number; after?: string | undefined; email?: string | undefined; role?: 'user' | 'admin' | undefined },
) {
  let query = db
    .selectFrom('users')
    .select(PUBLIC_COLUMNS)
    .orderBy('id')
    .limit(params.limit + 1);
  const { after } = params;
  if (after !== undefined) query = query.where((eb) => pastCursor(eb, ['id'], [after], 'asc'));
  if (params.email !== undefined) query = query.where('email', 'like', `%${params.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (params.role !== undefined) query = query.where('role', '=', params.role);
  // The cursor is the last id shown: a UUID, checked by the route's schema.
  return page(await query.execute(), params.limit, (last) => last.id);
}

/**
 * Locks the user and every admin, in id order, for a deletion: two admins deleting themselves at
 * once take turns instead of deadlocking, and the second sees that the first is gone.
 */
export async function lockUserAndAdmins(db: IdentityDb, userId: string): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', userId), eb('role', '=', 'admin')]))
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Admins other than this user who can still sign in. */
export async function countOtherActiveAdmins(db: IdentityDb, userId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('locked_at', 'is', null)
    .where('id', '!=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
