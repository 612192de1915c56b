import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { originOf } from '../http.js';
import { listDevices, listLocations } from './queries-repo.js';
import {
  alertSchema,
  alertsQuery,
  deviceSchema,
  eventSchema,
  eventsQuery,
  idParams,
  locationSchema,
  pageOf,
  settingsBody,
  settingsSchema,
  summarySchema,
  toAlertView,
  toEventView,
} from './schemas.js';
import { acknowledge, forgetDevice, listAlerts, listEvents, ownerFor, securitySummary } from './service.js';
import { getSettings, putSettings } from './settings.js';

const tags = ['security'];
const iso = (date: Date) => new Date(date).toISOString();

export function securityRoutes(app: HttpApp, ctx: IdentityContext) {
  app.get(
    '/api/security/events',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Your security events, newest first',
        description:
          'Sign-ins, failures, step-ups, lockouts, device and second-factor changes, with IP, place, device and the signals that made them notable. Administrators add `userId=` or `all=true`.',
        querystring: eventsQuery,
        response: { 200: pageOf(eventSchema) },
      },
    },
    async (request) => {
      const { type, severity, from, to, cursor, limit } = request.query;
      const owner = ownerFor(requireUser(request), request.query);
      const page = await listEvents(ctx.db, {
        owner,
        type,
        severity,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
        cursor,
        limit,
      });
      return { items: page.rows.map(toEventView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/security/summary',
    { config: { auth: 'user' }, schema: { tags, summary: "Your account's risk over the last 30 days, at a glance", response: { 200: summarySchema } } },
    async (request) => {
      const summary = await securitySummary(ctx, requireUser(request).id);
      return {
        ...summary,
        lastSignIns: summary.lastSignIns.map((row) => ({
          id: row.id,
          at: iso(row.created_at),
          method: row.method,
          outcome: row.outcome,
          ip: row.ip,
          location: row.country === null ? null : { country: row.country, city: row.city },
          device: row.browser === null && row.os === null && row.type === null ? null : { browser: row.browser, os: row.os, type: row.type },
          riskScore: row.risk_score,
          reasons: row.reasons,
        })),
      };
    },
  );

  app.get(
    '/api/security/devices',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Devices that signed in to your account', response: { 200: z.object({ items: z.array(deviceSchema) }) } },
    },
    async (request) => {
      const rows = await listDevices(ctx.db, requireUser(request).id);
      return {
        items: rows.map((row) => ({
          id: row.id,
          browser: row.browser,
          os: row.os,
          type: row.type,
          firstSeenAt: iso(row.first_seen_at),
          lastSeenAt: iso(row.last_seen_at),
        })),
      };
    },
  );

  app.delete(
    '/api/security/devices/:id',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Forget a device: its sessions end, and its next sign-in counts as a new device',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await forgetDevice(ctx, requireUser(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/security/locations',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Countries and cities your account signed in from', response: { 200: z.object({ items: z.array(locationSchema) }) } },
    },
    async (request) => {
      const rows = await listLocations(ctx.db, requireUser(request).id);
      return {
        items: rows.map((row) => ({
          country: row.country,
          city: row.city,
          firstSignInAt: iso(row.first_at),
          lastSignInAt: iso(row.last_at),
          signIns: Number(row.sign_ins),
        })),
      };
    },
  );

  app.get(
    '/api/security/alerts',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Alerts raised on your account, open or acknowledged, newest first',
        querystring: alertsQuery,
        response: { 200: pageOf(alertSchema) },
      },
    },
    async (request) => {
      const { open, cursor, limit } = request.query;
      const owner = ownerFor(requireUser(request), request.query);
      const page = await listAlerts(ctx.db, { owner, open: open === undefined ? undefined : open === 'true', cursor, limit });
      return { items: page.rows.map(toAlertView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/security/alerts/:id/acknowledge',
    { config: { auth: 'user' }, schema: { tags, summary: 'Mark one of your alerts as seen', params: idParams, response: { 200: alertSchema } } },
    async (request) => toAlertView(await acknowledge(ctx, requireUser(request), request.params.id)),
  );

  app.get(
    '/api/security/settings',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Which sign-ins alert you, how, and when a second step is asked', response: { 200: settingsSchema } },
    },
    async (request) => getSettings(ctx.db, requireUser(request).id),
  );

  app.put(
    '/api/security/settings',
    { config: { auth: 'user' }, schema: { tags, summary: 'Change the alert and step-up settings', body: settingsBody, response: { 200: settingsSchema } } },
    async (request) => {
      const userId = requireUser(request).id;
      const body = request.body;
      const settings = { ...body, alertSignals: [...new Set(body.alertSignals)], channels: [...new Set(body.channels)] };
      await putSettings(ctx.db, userId, settings, ctx.clock.now());
      return settings;
    },
  );
}
