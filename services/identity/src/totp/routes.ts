import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { originOf } from '../http.js';
import { backupCodesSchema, totpCodeBody, totpDisableBody, totpSetupSchema } from './schemas.js';
import { disableTotp, enableTotp, renewBackupCodes, setupTotp } from './service.js';

const tags = ['auth'];

export function totpRoutes(app: HttpApp, ctx: IdentityContext) {
  app.post(
    '/api/auth/totp/setup',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Start setting up an authenticator app (RFC 6238 TOTP)',
        description: 'A new secret, not active until POST /api/auth/totp/enable receives a code from it. 409 when one is already on.',
        response: { 200: totpSetupSchema },
      },
    },
    async (request) => setupTotp(ctx, requireUser(request)),
  );

  app.post(
    '/api/auth/totp/enable',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Turn the authenticator on with its first code; answers the backup codes, shown this once',
        body: totpCodeBody,
        response: { 200: backupCodesSchema },
      },
    },
    async (request) => enableTotp(ctx, requireUser(request), request.body.code, originOf(request)),
  );

  app.post(
    '/api/auth/totp/disable',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Turn the authenticator off (with the password or a current code)', body: totpDisableBody, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await disableTotp(ctx, requireUser(request), request.body, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/totp/backup-codes',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Replace the backup codes (needs a current authenticator code)', body: totpCodeBody, response: { 200: backupCodesSchema } },
    },
    async (request) => renewBackupCodes(ctx, requireUser(request), request.body.code, originOf(request)),
  );
}
