import { z } from 'zod';
import { changesSomething, requireUser, text, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams } from '../shared/http.js';
import { listCategories, type CategoryRow } from './repo.js';
import { changeCategory, createCategory, removeCategory } from './service.js';

const kind = z.enum(['expense', 'income', 'any']);
const categorySchema = z.object({ id: z.uuid(), slug: z.string(), name: z.string(), kind, isDefault: z.boolean() }).meta({ id: 'Category' });

function toView(row: CategoryRow) {
  return { id: row.id, slug: row.slug, name: row.name, kind: row.kind, isDefault: row.user_id === null };
}

export function categoryRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['categories'];
  const config = { auth: 'user' as const };

  app.get(
    '/api/categories',
    { config, schema: { tags, summary: 'The default categories and your own', response: { 200: z.object({ items: z.array(categorySchema) }) } } },
    async (request) => {
      return { items: (await listCategories(ctx.db, requireUser(request).id)).map(toView) };
    },
  );

  app.post(
    '/api/categories',
    {
      config,
      schema: {
        tags,
        summary: 'Create a category of your own',
        body: z.strictObject({
          name: text().trim().min(1).max(60),
          slug: z
            .string()
            .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes')
            .max(60)
            .optional(),
          kind: kind.default('expense'),
        }),
        response: { 201: categorySchema },
      },
    },
    async (request, reply) => reply.status(201).send(toView(await createCategory(ctx, requireUser(request).id, request.body))),
  );

  app.patch(
    '/api/categories/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Rename one of your categories (the slug stays, so references keep working)',
        params: idParams,
        body: z.strictObject({ name: text().trim().min(1).max(60).optional(), kind: kind.optional() }).check(changesSomething),
        response: { 200: categorySchema },
      },
    },
    async (request) => toView(await changeCategory(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/categories/:id',
    { config, schema: { tags, summary: 'Delete one of your unused categories', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeCategory(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
