import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { vi } from 'vitest';
import { buildTestApp, newUser, TEST_PASSWORD, type TestApp, type TestAppOptions } from '@expensio/common/testing';
import { identityService, MemoryMailer, type IdentityContext, type IdentityOverrides } from '../src/index.js';
import type { IdentityTables } from '../src/db.js';

export interface TestIdentity extends TestApp {
  ctx: IdentityContext;
  mailer: MemoryMailer;
}

/**
 * Identity's real app over this file's own database, with a clock tests move, mail kept in
 * memory and cheap Argon2 (the harness's stand-ins); `overrides` replaces any of them, `harness`
 * sets the harness's own options (a shared database, a logger to read).
 */
export async function createTestIdentity(
  env: Record<string, string> = {},
  overrides: Partial<IdentityOverrides> = {},
  harness: Pick<TestAppOptions, 'database' | 'httpLogger'> = {},
): Promise<TestIdentity> {
  const mailer = new MemoryMailer();
  const t = await buildTestApp([identityService], {
    // Files register many users from one address; register.test.ts checks the limit itself.
    env: { RATE_LIMIT_MAX: '100000', REGISTRATION_IP_LIMIT: '100000', ...env },
    overrides: { mailer, ...overrides },
    ...harness,
  });
  return { ...t, ctx: t.context(identityService), mailer };
}

let counter = 0;

/** A unique address per call, so tests in one file never share limits or accounts. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

export const STRONG_PASSWORD = TEST_PASSWORD;

export interface Registered {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** `newUser` with identity's names for the tokens, and an address from `uniqueEmail`. */
export async function registerUser(t: TestIdentity, overrides: { email?: string; password?: string; name?: string } = {}): Promise<Registered> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? STRONG_PASSWORD;
  const user = await newUser(t, { ...overrides, email, password });
  return { id: user.id, email, password, accessToken: user.token, refreshToken: user.refreshToken ?? '' };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** The code in the newest mail to this address, after queued mail has gone out. */
export async function lastCode(t: TestIdentity, email: string): Promise<string> {
  await t.ctx.mail.drain();
  const mail = t.mailer.lastTo(email);
  const code = mail ? /\b(\d{6})\b/.exec(mail.text)?.[1] : undefined;
  if (code === undefined) throw new Error(`no code was mailed to ${email}`);
  return code;
}

export interface CodeSession {
  accessToken: string;
  refreshToken: string;
  user: { id: string; role: string };
}

/** Signs in by emailed code: the only way in for a password-less account such as the ADMIN_EMAIL admin. */
export async function signInByCode(t: TestIdentity, email: string): Promise<CodeSession> {
  await requestCode(t, email);
  const response = await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email, code: await lastCode(t, email) } });
  if (response.statusCode !== 200) throw new Error(`code sign-in failed: ${response.statusCode} ${response.body}`);
  return response.json<CodeSession>();
}

export async function requestCode(t: TestIdentity, email: string, purpose: 'login' | 'password_reset' | 'account_deletion' = 'login') {
  return t.app.inject({ method: 'POST', url: '/api/auth/otp/request', payload: { email, purpose } });
}

export interface OutboxRow {
  type: string;
  userId: string | null;
  payload: Record<string, unknown>;
}

/** What identity published, oldest first: the outbox rows of a user (null: of no user), optionally of one type. */
export async function outboxOf(t: TestIdentity, userId: string | null, type?: string): Promise<OutboxRow[]> {
  let query = t.ctx.db.selectFrom('outbox').select(['type', 'user_id', 'payload']).orderBy('id');
  query = userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId);
  if (type !== undefined) query = query.where('type', '=', type);
  const rows = await query.execute();
  return rows.map((row) => ({ type: row.type, userId: row.user_id, payload: row.payload as Record<string, unknown> }));
}

/** The `security.alert` payloads a user was sent, oldest first. */
export async function alertsOf(t: TestIdentity, userId: string) {
  return (await outboxOf(t, userId, 'security.alert')).map((row) => row.payload);
}

/**
 * The next publish writes its event and then fails, as a change failing after its event would.
 * `inside` first looks through the publishing transaction, to see what only that transaction sees.
 * Restore the returned spy when done.
 */
export function failNextPublishAfterWriting(t: TestIdentity, inside: (trx: Transaction<IdentityTables>) => Promise<void>) {
  const publish = t.ctx.bus.publish.bind(t.ctx.bus);
  return vi.spyOn(t.ctx.bus, 'publish').mockImplementationOnce(async (trx, type, userId, payload) => {
    await inside(trx);
    await publish(trx, type, userId, payload);
    throw new Error('the change fails after its event was written');
  });
}
