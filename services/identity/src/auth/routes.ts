import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { authResult, originOf } from '../http.js';
import { requestOtp } from '../otp/service.js';
import { resendStepUpCode } from '../security/step-up.js';
import { rotateRefreshToken } from '../tokens/sessions.js';
import { deleteOwnAccount } from '../users/deletion.js';
import { changePassword, loginWithOtp, loginWithPassword, loginWithStepUp, logout, register, resetPassword } from './service.js';
import {
  accountDeletionBody,
  acceptedSchema,
  authResultSchema,
  loginBody,
  logoutBody,
  otpRequestBody,
  otpVerifyBody,
  passwordChangeBody,
  passwordResetBody,
  refreshBody,
  registerBody,
  stepUpBody,
  stepUpResendBody,
  tokenPairSchema,
} from './schemas.js';

const tags = ['auth'];
/** One answer for every code request, whatever happened behind it. */
const CODE_ON_ITS_WAY = 'If an account exists for this address, a code is on its way.';

/** RFC 7517's key set; a key keeps every member it has (`x`, `y`, `crv` for the EC key), so nothing a verifier needs is dropped. */
const jwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string().optional(), kid: z.string().optional(), alg: z.string().optional(), use: z.string().optional() })),
});

export function authRoutes(app: HttpApp, ctx: IdentityContext) {
  app.post(
    '/api/auth/register',
    { schema: { tags, summary: 'Create an account', body: registerBody, response: { 201: authResultSchema } } },
    async (request, reply) => {
      const { user, tokens } = await register(ctx, request.body, originOf(request));
      return reply.status(201).send(authResult(user, tokens));
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: {
        problems: {
          401: 'Email or password is incorrect, or the account is locked or held: one answer for all (`invalid_credentials`)',
          403: 'The password was right but a second step is needed (`step_up_required`, with `challengeId`, `methods` and `expiresAt`)',
        },
      },
      schema: { tags, summary: 'Sign in with email and password', body: loginBody, response: { 200: authResultSchema } },
    },
    async (request) => {
      const { user, tokens } = await loginWithPassword(ctx, request.body, originOf(request));
      return authResult(user, tokens);
    },
  );

  app.post(
    '/api/auth/login/step-up',
    {
      config: { problems: { 401: 'The challenge has expired, was used, or had too many wrong codes (`invalid_challenge`), or the code is wrong' } },
      schema: {
        tags,
        summary: 'Finish a sign-in held for a second step',
        description:
          'POST /api/auth/login answers 403 `step_up_required` with `challengeId`, `methods` and `expiresAt` when a right password came from a risky context, ' +
          'the user asks for a second step always, or an authenticator is on. Send the emailed code, an authenticator code or a backup code here. ' +
          'Five wrong codes close the challenge, and each counts against the account like a wrong password; an expired or used challenge is 401 `invalid_challenge`.',
        body: stepUpBody,
        response: { 200: authResultSchema },
      },
    },
    async (request) => {
      const { user, tokens } = await loginWithStepUp(ctx, request.body, originOf(request));
      return authResult(user, tokens);
    },
  );

  app.post(
    '/api/auth/login/step-up/resend',
    {
      schema: {
        tags,
        summary: 'Email a new code for a sign-in held for a second step',
        description:
          'For a challenge whose `methods` include `email_code`: a new code is mailed and the previous one stops working. Answers 202 with the same body as POST /api/auth/otp/request, and counts against the same per-address limit ' +
          '(OTP_REQUEST_LIMIT code requests per OTP_REQUEST_WINDOW, the sign-in itself included; the next one is 429 `otp_rate_limited` with Retry-After and locks codes for OTP_LOCKOUT). ' +
          'The challenge keeps its expiry and its wrong tries. An expired or used challenge is 401 `invalid_challenge`; one finished only with an authenticator or backup code is 409 `email_code_not_offered`.',
        body: stepUpResendBody,
        response: { 202: acceptedSchema },
      },
    },
    async (request, reply) => {
      await resendStepUpCode(ctx, request.body, originOf(request));
      return reply.status(202).send({ message: CODE_ON_ITS_WAY });
    },
  );

  app.post(
    '/api/auth/otp/request',
    {
      schema: {
        tags,
        summary: 'Email a one-time code (sign-in, password reset or account deletion)',
        description:
          'Answers 202 whether or not the account exists. At most OTP_REQUEST_LIMIT requests per window per address; the next one locks codes for that address.',
        body: otpRequestBody,
        response: { 202: acceptedSchema },
      },
    },
    async (request, reply) => {
      await requestOtp(ctx, request.body, originOf(request));
      return reply.status(202).send({ message: CODE_ON_ITS_WAY });
    },
  );

  app.post(
    '/api/auth/otp/verify',
    {
      config: { problems: { 401: 'The code is wrong, used or expired (`invalid_code`)' } },
      schema: { tags, summary: 'Sign in with an emailed code', body: otpVerifyBody, response: { 200: authResultSchema } },
    },
    async (request) => {
      const { user, tokens } = await loginWithOtp(ctx, request.body, originOf(request));
      return authResult(user, tokens);
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      config: {
        problems: { 401: 'The refresh token is not valid or expired (`invalid_refresh_token`), or was reused after its interval (`refresh_token_reused`)' },
      },
      schema: { tags, summary: 'Trade a refresh token for a new pair (the old one is spent)', body: refreshBody, response: { 200: tokenPairSchema } },
    },
    async (request) => {
      const tokens = await rotateRefreshToken(ctx, request.body.refreshToken, originOf(request));
      return { ...tokens, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { auth: 'user' }, schema: { tags, summary: 'End this session', body: logoutBody, response: { 204: z.null() } } },
    async (request, reply) => {
      await logout(ctx, requireUser(request), request.body ?? {}, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password/change',
    {
      config: { auth: 'user' },
      schema: { tags, summary: 'Change the password; every other session ends', body: passwordChangeBody, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await changePassword(ctx, requireUser(request), request.body, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with a code from POST /api/auth/otp/request (purpose password_reset); every session ends',
        body: passwordResetBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await resetPassword(ctx, request.body, originOf(request));
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/auth/account',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Delete your account and all its data, in every service',
        description:
          'Confirm with `password`, or with `code` from POST /api/auth/otp/request (purpose account_deletion), the way for an account without a password. ' +
          'Every session and access token stops working at once, and `user.deleted` makes the other services erase their rows. ' +
          'The only administrator who can sign in cannot leave (409).',
        body: accountDeletionBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteOwnAccount(ctx, requireUser(request), request.body, originOf(request));
      return reply.status(204).send(null);
    },
  );

  for (const url of ['/api/auth/.well-known/jwks.json', '/.well-known/jwks.json']) {
    app.get(url, { schema: { tags, summary: 'Public keys that verify access tokens', response: { 200: jwksSchema } } }, async (_request, reply) => {
      return reply.header('cache-control', 'public, max-age=300').send(ctx.keys.jwks);
    });
  }
}
