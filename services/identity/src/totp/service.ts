import QRCode from 'qrcode';
import { ConflictError, UnauthorizedError, fieldError, seal, unseal, type AuthUser } from '@expensio/common';
import { checkCredential, proveCurrentPassword } from '../auth/limits.js';
import type { IdentityContext, RequestOrigin } from '../context.js';
import type { IdentityDb, IdentityTrx } from '../db.js';
import { raiseAlert } from '../security/alerts.js';
import { getSettings } from '../security/settings.js';
import { findUserById, type UserRow } from '../users/repo.js';
import { BACKUP_CODE_COUNT, hashBackupCode, matchTotp, newBackupCode, newTotpSecret, otpauthUrl } from './codes.js';
import { countBackupCodesLeft, deleteFactor, findFactor, replaceBackupCodes, savePendingFactor, spendBackupCode, spendStep } from './repo.js';

const WRONG_CODE = 'The code does not match your authenticator (or was already used)';

async function callerRow(ctx: IdentityContext, caller: AuthUser): Promise<UserRow> {
  const user = await findUserById(ctx.db, caller.id);
  if (!user) throw new UnauthorizedError();
  return user;
}

export async function totpEnabled(ctx: IdentityContext, userId: string): Promise<boolean> {
  const factor = await findFactor(ctx.db, userId);
  return factor?.enabled_at != null;
}

/** A new secret, not active until a code from it is given to `enableTotp`. */
export async function setupTotp(ctx: IdentityContext, caller: AuthUser) {
  const user = await callerRow(ctx, caller);
  const secret = newTotpSecret();
  const saved = await savePendingFactor(ctx.db, { userId: user.id, secretSealed: seal(secret, user.id, ctx.totpKey), now: ctx.clock.now() });
  if (!saved) throw new ConflictError('An authenticator is already on; turn it off first to set up another', 'totp_already_enabled');
  const url = otpauthUrl(secret, user.email);
  return { secret, otpauthUrl: url, qrSvg: await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
}

/**
 * Spends a current code of the user's authenticator: true once per 30-second step (a replay in the
 * same step, or an older step, is refused). `pending` accepts the secret not yet enabled.
 */
async function spendTotp(ctx: IdentityContext, userId: string, code: string, options: { pending?: boolean; db?: IdentityDb } = {}): Promise<boolean> {
  const db = options.db ?? ctx.db;
  const factor = await findFactor(db, userId);
  if (!factor || (factor.enabled_at === null) !== (options.pending === true)) return false;
  const now = ctx.clock.now();
  const step = await matchTotp(unseal(factor.secret_sealed, userId, ctx.totpKey), code, now);
  if (step === null) return false;
  return spendStep(db, { userId, step, ...(options.pending === true && { enable: now }) });
}

/** A TOTP code or an unused backup code, for the second step of a sign-in. */
export async function spendSecondFactor(ctx: IdentityContext, userId: string, code: string): Promise<'totp' | 'backup_code' | null> {
  if (/^\d{6}$/.test(code)) return (await spendTotp(ctx, userId, code)) ? 'totp' : null;
  const spent = await spendBackupCode(ctx.db, { userId, hash: hashBackupCode(userId, code), now: ctx.clock.now() });
  return spent ? 'backup_code' : null;
}

function newBackupCodes(userId: string) {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  return { codes, hashes: codes.map((code) => hashBackupCode(userId, code)) };
}

/** Tells the user, in the transaction of the change. */
async function alertFactorChange(
  ctx: IdentityContext,
  trx: IdentityTrx,
  user: UserRow,
  origin: RequestOrigin,
  type: 'totp.enabled' | 'totp.disabled' | 'totp.backup_codes_replaced',
  message: string,
) {
  const settings = await getSettings(trx, user.id);
  await raiseAlert(ctx, trx, user, { type, severity: type === 'totp.disabled' ? 'warning' : 'info', message, origin, channels: settings.channels });
}

export async function enableTotp(ctx: IdentityContext, caller: AuthUser, code: string, origin: RequestOrigin): Promise<{ backupCodes: string[] }> {
  const user = await callerRow(ctx, caller);
  const factor = await findFactor(ctx.db, user.id);
  if (factor?.enabled_at != null) throw new ConflictError('The authenticator is already on', 'totp_already_enabled');
  if (!factor) throw new ConflictError('Set up an authenticator first (POST /api/auth/totp/setup)', 'totp_not_set_up');
  const { codes, hashes } = newBackupCodes(user.id);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await spendTotp(ctx, user.id, code, { pending: true, db: trx }))) throw fieldError('code', WRONG_CODE, 'invalid_code');
    await replaceBackupCodes(trx, { userId: user.id, hashes, now: ctx.clock.now() });
    await alertFactorChange(
      ctx,
      trx,
      user,
      origin,
      'totp.enabled',
      'An authenticator app was turned on for your account: every sign-in now asks for its code.',
    );
  });
  return { backupCodes: codes };
}

/** A current TOTP code, under the credential limits (a stolen access token must not become a code oracle). */
async function proveTotp(ctx: IdentityContext, user: UserRow, code: string, origin: RequestOrigin): Promise<void> {
  const outcome = await checkCredential(ctx, { email: user.email, user }, origin, async () => ((await spendTotp(ctx, user.id, code)) ? 'ok' : 'wrong_code'));
  if (outcome !== 'ok') throw fieldError('code', WRONG_CODE, 'invalid_code');
}

export async function disableTotp(
  ctx: IdentityContext,
  caller: AuthUser,
  proof: { password?: string | undefined; code?: string | undefined },
  origin: RequestOrigin,
): Promise<void> {
  const user = await callerRow(ctx, caller);
  if (!(await totpEnabled(ctx, user.id))) throw new ConflictError('No authenticator is on', 'totp_not_enabled');
  if (proof.password !== undefined) await proveCurrentPassword(ctx, user, proof.password, origin, 'password');
  else await proveTotp(ctx, user, proof.code ?? '', origin);
  await ctx.db.transaction().execute(async (trx) => {
    await deleteFactor(trx, user.id);
    await alertFactorChange(
      ctx,
      trx,
      user,
      origin,
      'totp.disabled',
      'The authenticator app was turned off for your account. If it was not you, change your password now.',
    );
  });
}

export async function renewBackupCodes(ctx: IdentityContext, caller: AuthUser, code: string, origin: RequestOrigin): Promise<{ backupCodes: string[] }> {
  const user = await callerRow(ctx, caller);
  if (!(await totpEnabled(ctx, user.id))) throw new ConflictError('No authenticator is on', 'totp_not_enabled');
  await proveTotp(ctx, user, code, origin);
  const { codes, hashes } = newBackupCodes(user.id);
  await ctx.db.transaction().execute(async (trx) => {
    await replaceBackupCodes(trx, { userId: user.id, hashes, now: ctx.clock.now() });
    await alertFactorChange(ctx, trx, user, origin, 'totp.backup_codes_replaced', 'New backup codes were made for your account; the old ones no longer work.');
  });
  return { backupCodes: codes };
}

export async function secondFactorState(ctx: IdentityContext, userId: string): Promise<{ totp: boolean; backupCodesLeft: number }> {
  const enabled = await totpEnabled(ctx, userId);
  return { totp: enabled, backupCodesLeft: enabled ? await countBackupCodesLeft(ctx.db, userId) : 0 };
}
