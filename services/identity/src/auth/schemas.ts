import { z } from 'zod';
import { text } from '@expensio/common';
import { OTP_PURPOSES } from '../otp/purposes.js';
import { PASSWORD_MAX_LENGTH } from '../passwords/policy.js';
import { emailSchema, nameSchema, timeZoneSchema, userSchema } from '../users/schemas.js';

// Length rules that depend on the user (common, contains the email) are checked by the service,
// which names the field in its 400 the same way.
// A password sent to be checked is only hashed and compared, never stored as text: it stays as
// typed, so no one whose password holds an odd character is locked out. A new one must be clean.
const password = z
  .string()
  .min(1)
  .max(PASSWORD_MAX_LENGTH * 4)
  .meta({ format: 'password' });
const newPassword = text()
  .min(1)
  .max(PASSWORD_MAX_LENGTH * 4)
  .meta({ format: 'password' });
const otpCode = z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the email');
const refreshToken = text().min(1).max(200);

export const registerBody = z
  .strictObject({
    email: emailSchema,
    password: newPassword,
    name: nameSchema.optional(),
    timeZone: timeZoneSchema.optional().describe('IANA time zone name (default UTC): the days, weeks and months your budgets and summaries count in'),
  })
  .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace', timeZone: 'Europe/London' }] });
export const loginBody = z
  .strictObject({ email: emailSchema, password })
  .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] });
export const otpRequestBody = z.strictObject({
  email: emailSchema,
  purpose: z
    .enum(OTP_PURPOSES)
    .default('login')
    .describe('What the code will be used for: signing in, resetting the password, or confirming DELETE /api/auth/account'),
});
export const otpVerifyBody = z.strictObject({ email: emailSchema, code: otpCode });
export const stepUpBody = z
  .strictObject({
    challengeId: z.uuid().describe('From the 403 `step_up_required` answer of POST /api/auth/login'),
    code: z
      .string()
      .regex(/^(\d{6}|[a-zA-Z2-9]{5}-?[a-zA-Z2-9]{5})$/, 'must be the 6-digit code (emailed or from the authenticator) or a backup code such as abcde-23456')
      .describe('The emailed code, a code from the authenticator app, or a backup code'),
  })
  .meta({ examples: [{ challengeId: '0190f3a0-0000-7000-8000-000000000001', code: '123456' }] });
export const refreshBody = z.strictObject({ refreshToken });
// A bodyless POST arrives as null.
export const logoutBody = z.strictObject({ refreshToken: refreshToken.optional() }).nullish();
export const passwordChangeBody = z.strictObject({ currentPassword: password, newPassword });
export const passwordResetBody = z.strictObject({ email: emailSchema, code: otpCode, newPassword });
export const accountDeletionBody = z
  .strictObject({
    password: password.optional().describe('Your password'),
    code: otpCode.optional().describe('A code from POST /api/auth/otp/request with purpose account_deletion (the way for an account without a password)'),
  })
  .refine((body) => (body.password === undefined) !== (body.code === undefined), {
    message: 'give either your password or an emailed code (purpose account_deletion), not both',
    path: ['password'],
  });

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  refreshTokenExpiresAt: z.iso.datetime().describe('When the session ends at the latest, however often it is refreshed'),
});

export const authResultSchema = tokenPairSchema.extend({ user: userSchema }).meta({ id: 'AuthResult' });

export const acceptedSchema = z.object({ message: z.string() });

export const stepUpResendBody = z
  .strictObject({ challengeId: z.uuid().describe('From the 403 `step_up_required` answer of POST /api/auth/login') })
  .meta({ examples: [{ challengeId: '0190f3a0-0000-7000-8000-000000000001' }] });
