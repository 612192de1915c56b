import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../passwords/policy.js';

const totpCode = z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the authenticator app');

export const totpSetupSchema = z.object({
  secret: z.string().describe('Base32; type it into the app if the QR code cannot be scanned'),
  otpauthUrl: z.string().describe('otpauth://totp/... (SHA-1, 6 digits, 30 s)'),
  qrSvg: z.string().describe('The otpauth URL as a QR code, an SVG document'),
});
export const totpCodeBody = z.strictObject({ code: totpCode });
export const backupCodesSchema = z.object({
  backupCodes: z.array(z.string()).describe('Single-use codes, shown this once; each finishes one sign-in instead of an authenticator code'),
});
export const totpDisableBody = z
  .strictObject({
    password: z
      .string()
      .min(1)
      .max(PASSWORD_MAX_LENGTH * 4)
      .meta({ format: 'password' })
      .optional()
      .describe('Your password'),
    code: totpCode.optional().describe('A current code from the authenticator app'),
  })
  .refine((body) => (body.password === undefined) !== (body.code === undefined), {
    message: 'give either your password or a current authenticator code, not both',
    path: ['password'],
  });
