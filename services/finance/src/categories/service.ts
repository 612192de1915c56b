import { ConflictError, NotFoundError, UnprocessableError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { kindFits } from './kind.js';
import type { FinanceDb, TransactionType } from '../db.js';
import {
  categoryInUse,
  deleteCategory,
  findCategory,
  findOwnCategory,
  insertCategory,
  listDefaultCategories,
  updateCategory,
  type CategoryRow,
} from './repo.js';

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

export async function requireCategory(db: FinanceDb, userId: string, ref: string): Promise<CategoryRow> {
  const category = await findCategory(db, { userId, ref });
  if (!category) throw new NotFoundError(`No category "${ref}"`, 'category_not_found');
  return category;
}

/**
 * The default set is written by migrations only, so a process reads it once. A user cannot make a
 * category with a default's slug (createCategory refuses it), so a default hit is the answer.
 */
const defaultSets = new WeakMap<FinanceContext, Promise<Map<string, CategoryRow>>>();

// Read through the caller's db: on PGlite a query outside the caller's open transaction would wait
// for the single connection that transaction holds.
function defaultCategories(ctx: FinanceContext, db: FinanceDb): Promise<Map<string, CategoryRow>> {
  let set = defaultSets.get(ctx);
  if (set === undefined) {
    set = listDefaultCategories(db).then((rows) => new Map(rows.flatMap((row) => [[row.slug, row] as const, [row.id.toLowerCase(), row] as const])));
    // A failed read is retried by the next caller rather than remembered.
    set.catch(() => defaultSets.delete(ctx));
    defaultSets.set(ctx, set);
  }
  return set;
}

/** An expense cannot go to an income category, nor income to an expense one; `any` takes both. */
export function requireKindFits(category: Pick<CategoryRow, 'kind' | 'slug'>, type: TransactionType): void {
  if (!kindFits(category.kind, type)) {
    throw new UnprocessableError(`"${category.slug}" is an ${category.kind} category; an ${type} cannot go to it (category)`, 'category_type_mismatch');
  }
}

/** requireCategory for the write path: a default category costs no query. */
export async function categoryForWrite(ctx: FinanceContext, db: FinanceDb, userId: string, ref: string): Promise<CategoryRow> {
  const hit = (await defaultCategories(ctx, db)).get(ref.toLowerCase());
  return hit ?? requireCategory(db, userId, ref);
}

export async function createCategory(
  ctx: FinanceContext,
  userId: string,
  input: { name: string; slug?: string | undefined; kind: CategoryRow['kind'] },
): Promise<CategoryRow> {
  const slug = input.slug ?? slugify(input.name);
  if (slug === '') throw new ConflictError('The name has no letters or digits to make a slug from; give a slug', 'invalid_slug');
  if (await findCategory(ctx.db, { userId, ref: slug })) throw new ConflictError(`A category with slug "${slug}" exists`, 'category_exists');
  const created = await insertCategory(ctx.db, { userId, slug, name: input.name, kind: input.kind, now: ctx.clock.now() });
  if (!created) throw new ConflictError(`A category with slug "${slug}" exists`, 'category_exists');
  return created;
}

/** Only the user's own categories change; the default set is shared and read-only (404 here). */
async function requireOwn(ctx: FinanceContext, userId: string, id: string): Promise<CategoryRow> {
  const category = await findOwnCategory(ctx.db, { userId, id });
  if (!category) throw new NotFoundError('No category of yours with this id (default categories cannot be changed)', 'category_not_found');
  return category;
}

export async function changeCategory(
  ctx: FinanceContext,
  userId: string,
  id: string,
  input: { name?: string | undefined; kind?: CategoryRow['kind'] | undefined },
) {
  await requireOwn(ctx, userId, id);
  const updated = await updateCategory(ctx.db, {
    userId,
    id,
    changes: { ...(input.name !== undefined && { name: input.name }), ...(input.kind !== undefined && { kind: input.kind }) },
  });
  if (!updated) throw new NotFoundError('No such category', 'category_not_found');
  return updated;
}

export async function removeCategory(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  await requireOwn(ctx, userId, id);
  if (await categoryInUse(ctx.db, id)) throw new ConflictError('Transactions or budgets use this category; change them first', 'category_in_use');
  await deleteCategory(ctx.db, { userId, id });
}
