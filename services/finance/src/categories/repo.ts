import type { Selectable } from 'kysely';
import { isUuid, newId } from '@expensio/common';
import type { CategoriesTable, FinanceDb } from '../db.js';

export type CategoryRow = Selectable<CategoriesTable>;

/** The default set (no owner) and the user's own. */
function visibleTo(db: FinanceDb, userId: string) {
  return db
    .selectFrom('categories')
    .selectAll()
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]));
}

export async function listCategories(db: FinanceDb, userId: string): Promise<CategoryRow[]> {
  return visibleTo(db, userId).orderBy('kind').orderBy('name').execute();
}

/** By id or by slug: wherever a body names a category, either works. */
export async function findCategory(db: FinanceDb, params: { userId: string; ref: string }): Promise<CategoryRow | undefined> {
  const query = visibleTo(db, params.userId);
  return isUuid(params.ref) ? query.where('id', '=', params.ref).executeTakeFirst() : query.where('slug', '=', params.ref.toLowerCase()).executeTakeFirst();
}

export async function listDefaultCategories(db: FinanceDb): Promise<CategoryRow[]> {
  return db.selectFrom('categories').selectAll().where('user_id', 'is', null).execute();
}

export async function findOwnCategory(db: FinanceDb, params: { userId: string; id: string }): Promise<CategoryRow | undefined> {
  return db.selectFrom('categories').selectAll().where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
}

export async function insertCategory(
  db: FinanceDb,
  params: { userId: string; slug: string; name: string; kind: CategoryRow['kind']; now: Date },
): Promise<CategoryRow | undefined> {
  return db
    .insertInto('categories')
    .values({ id: newId(), user_id: params.userId, slug: params.slug, name: params.name, kind: params.kind, created_at: params.now })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateCategory(db: FinanceDb, params: { userId: string; id: string; changes: Partial<Pick<CategoryRow, 'name' | 'kind'>> }) {
  return db.updateTable('categories').set(params.changes).where('user_id', '=', params.userId).where('id', '=', params.id).returningAll().executeTakeFirst();
}

/** Used by a transaction or a budget: deleting it would orphan their history. */
export async function categoryInUse(db: FinanceDb, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('transactions')
    .select('id')
    .where('category_id', '=', id)
    .unionAll(db.selectFrom('budgets').select('id').where('category_id', '=', id))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteCategory(db: FinanceDb, params: { userId: string; id: string }) {
  await db.deleteFrom('categories').where('user_id', '=', params.userId).where('id', '=', params.id).execute();
}
