import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { RealtimeContext } from '../context.js';
import {
  createWebhookBody,
  deliveriesQuery,
  deliveryParams,
  deliverySchema,
  idParams,
  listQuery,
  patchWebhookBody,
  toDeliveryView,
  toWebhookView,
  webhookSchema,
  webhookWithSecretSchema,
} from './schemas.js';
import { createWebhook, listWebhooks, removeWebhook, requireWebhook, resendDelivery, rotateSecret, updateWebhook, webhookDeliveries } from './service.js';

const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export function webhookRoutes(app: HttpApp, ctx: RealtimeContext) {
  const tags = ['webhooks'];
  const config = { auth: 'user' as const };

  app.post(
    '/api/webhooks',
    {
      config,
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'Events of the chosen types are POSTed to `url` as the JSON envelope, signed in `Expensio-Signature` with the `secret` returned here (and never again). `scope: "all"` (admins only, 403 otherwise) receives every user\'s events.',
        body: createWebhookBody,
        response: { 201: webhookWithSecretSchema },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await createWebhook(ctx, requireUser(request), request.body);
      return reply.status(201).send({ ...toWebhookView(endpoint), secret });
    },
  );

  app.get(
    '/api/webhooks',
    { config, schema: { tags, summary: 'Your webhook endpoints, newest first', querystring: listQuery, response: { 200: listOf(webhookSchema) } } },
    async (request) => {
      const page = await listWebhooks(ctx, requireUser(request).id, request.query);
      return { items: page.rows.map(toWebhookView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/webhooks/:id',
    { config, schema: { tags, summary: 'One webhook endpoint', params: idParams, response: { 200: webhookSchema } } },
    async (request) => {
      return toWebhookView(await requireWebhook(ctx.db, requireUser(request).id, request.params.id));
    },
  );

  app.patch(
    '/api/webhooks/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change url, events, description, or enable/disable',
        params: idParams,
        body: patchWebhookBody,
        response: { 200: webhookSchema },
      },
    },
    async (request) => toWebhookView(await updateWebhook(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/webhooks/:id',
    { config, schema: { tags, summary: 'Delete a webhook endpoint and its delivery log', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeWebhook(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/webhooks/:id/rotate-secret',
    {
      config,
      schema: {
        tags,
        summary: 'Replace the signing secret (shown once); the old one stops at once',
        params: idParams,
        response: { 200: webhookWithSecretSchema },
      },
    },
    async (request) => {
      const { endpoint, secret } = await rotateSecret(ctx, requireUser(request).id, request.params.id);
      return { ...toWebhookView(endpoint), secret };
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first",
        params: idParams,
        querystring: deliveriesQuery,
        response: { 200: listOf(deliverySchema) },
      },
    },
    async (request) => {
      const page = await webhookDeliveries(ctx, requireUser(request).id, request.params.id, request.query);
      return { items: page.rows.map(toDeliveryView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/webhooks/:id/deliveries/:deliveryId/resend',
    {
      config,
      schema: {
        tags,
        summary: "Send a delivery's event again",
        description:
          'A new delivery of the same event (same event id and body), due at once; the original stays as it ended. 409 while the original is still pending or the endpoint is disabled.',
        params: deliveryParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const delivery = await resendDelivery(ctx, requireUser(request).id, request.params.id, request.params.deliveryId);
      return reply.status(202).send(toDeliveryView(delivery));
    },
  );
}
