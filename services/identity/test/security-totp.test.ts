import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '@expensio/common';
import { TEST_IPS } from '@expensio/common/testing';
import { loadIdentityConfig } from '../src/config.js';
import { matchTotp } from '../src/totp/codes.js';
import { alertsOf, bearer, createTestIdentity, lastCode, requestCode, type TestIdentity } from './helpers.js';
import { AGENTS, loginFrom, registerFrom, stepUp, type Account } from './security-helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
  t.clock.set('2026-03-02T10:00:00Z');
});
afterAll(async () => {
  await t.close();
});

const { chromeMac } = AGENTS;

// RFC 6238 computed here from RFC 4226's definition, without otplib, so the service is checked
// against the standard rather than against the library it uses.
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char.toUpperCase()).toString(2).padStart(5, '0');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

function totp(key: Buffer, unixSeconds: number, digits = 6): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const value = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(value % 10 ** digits).padStart(digits, '0');
}

const RFC_SECRET = Buffer.from('12345678901234567890');
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('RFC 6238 codes', () => {
  it('matches the RFC test vectors (SHA-1, T=59)', async () => {
    expect(totp(RFC_SECRET, 59, 8)).toBe('94287082');
    expect(totp(RFC_SECRET, 59)).toBe('287082');
    expect(base32Decode(RFC_SECRET_BASE32)).toEqual(RFC_SECRET);
    expect(await matchTotp(RFC_SECRET_BASE32, '287082', new Date(59_000))).toBe(1);
    // One step of drift either way, not two.
    expect(await matchTotp(RFC_SECRET_BASE32, '287082', new Date(89_000))).toBe(1);
    expect(await matchTotp(RFC_SECRET_BASE32, '287082', new Date(29_000))).toBe(1);
    expect(await matchTotp(RFC_SECRET_BASE32, '287082', new Date(119_000))).toBeNull();
    expect(await matchTotp(RFC_SECRET_BASE32, '287083', new Date(59_000))).toBeNull();
  });
});

function post(user: Pick<Account, 'accessToken'>, url: string, payload?: object) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...bearer(user.accessToken), 'user-agent': chromeMac },
    remoteAddress: TEST_IPS.US,
    ...(payload && { payload }),
  });
}

/** The current code of a secret, at the test clock's time plus `offsetSteps` steps. */
function codeOf(secret: string, offsetSteps = 0): string {
  return totp(base32Decode(secret), t.clock.now().getTime() / 1000 + offsetSteps * 30);
}

async function withAuthenticator(): Promise<{ user: Account; secret: string; backupCodes: string[] }> {
  t.clock.advance(DAY_MS);
  const user = await registerFrom(t, TEST_IPS.US, chromeMac);
  const setup = await post(user, '/api/auth/totp/setup');
  expect(setup.statusCode).toBe(200);
  const { secret, otpauthUrl, qrSvg } = setup.json<{ secret: string; otpauthUrl: string; qrSvg: string }>();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=/);
  expect(qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  const enabled = await post(user, '/api/auth/totp/enable', { code: codeOf(secret) });
  expect(enabled.statusCode).toBe(200);
  const { backupCodes } = enabled.json<{ backupCodes: string[] }>();
  return { user, secret, backupCodes };
}

describe('authenticator app', () => {
  it('seals the secret at rest and answers ten backup codes, stored hashed', async () => {
    const { user, secret, backupCodes } = await withAuthenticator();
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    const factor = await t.ctx.db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(factor.secret_sealed).toMatch(/^sealed\.v1\./);
    expect(factor.secret_sealed).not.toContain(secret);
    const stored = await t.ctx.db.selectFrom('totp_backup_codes').select('code_hash').where('user_id', '=', user.id).execute();
    expect(stored.map((row) => row.code_hash)).not.toContain(backupCodes[0]);
    expect((await alertsOf(t, user.id)).map((a) => a.alert)).toContain('totp.enabled');
  });

  it("refuses a code replayed in its step, and takes the next step's", async () => {
    const { user, secret } = await withAuthenticator();
    // The code that enabled it cannot be used again in the same step.
    const replay = await post(user, '/api/auth/totp/backup-codes', { code: codeOf(secret) });
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'code', code: 'invalid_code' }] });
    t.clock.advance(30_000);
    const renewed = await post(user, '/api/auth/totp/backup-codes', { code: codeOf(secret) });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json<{ backupCodes: string[] }>().backupCodes).toHaveLength(10);
  });

  it('makes every password sign-in take a second step; a TOTP code finishes it once, a backup code works once', async () => {
    const { user, secret, backupCodes } = await withAuthenticator();
    t.clock.advance(MINUTE_MS);
    const held = await loginFrom(t, user, TEST_IPS.US, chromeMac);
    expect(held.statusCode).toBe(403);
    const { challengeId, methods } = held.json<{ challengeId: string; methods: string[] }>();
    expect(methods).toEqual(['totp', 'backup_code']);
    // Only the authenticator finishes it: no code is mailed, not even asked for.
    const resent = await t.app.inject({ method: 'POST', url: '/api/auth/login/step-up/resend', payload: { challengeId } });
    expect(resent.statusCode).toBe(409);
    expect(resent.json()).toMatchObject({ code: 'email_code_not_offered' });
    await t.ctx.mail.drain();
    expect(t.mailer.sent.filter((m) => m.to === user.email && /confirmation code/.test(m.subject))).toEqual([]);

    const code = codeOf(secret);
    expect((await stepUp(t, challengeId, code, TEST_IPS.US, chromeMac)).statusCode).toBe(200);

    // The same code on a new challenge in the same step: refused.
    const second = (await loginFrom(t, user, TEST_IPS.US, chromeMac)).json<{ challengeId: string }>().challengeId;
    expect((await stepUp(t, second, code, TEST_IPS.US, chromeMac)).statusCode).toBe(401);

    const backup = backupCodes[0] ?? '';
    expect((await stepUp(t, second, backup.toUpperCase(), TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    const third = (await loginFrom(t, user, TEST_IPS.US, chromeMac)).json<{ challengeId: string }>().challengeId;
    expect((await stepUp(t, third, backup, TEST_IPS.US, chromeMac)).statusCode).toBe(401);
    expect((await stepUp(t, third, backupCodes[1] ?? '', TEST_IPS.US, chromeMac)).statusCode).toBe(200);

    const summary = await t.app.inject({ method: 'GET', url: '/api/security/summary', headers: bearer(user.accessToken) });
    expect(summary.json()).toMatchObject({ secondFactor: { totp: true, backupCodesLeft: 8 } });
  });

  it('holds an emailed-code sign-in for the authenticator too: the mailbox is not a second factor', async () => {
    const { user, secret } = await withAuthenticator();
    t.clock.advance(MINUTE_MS);
    await requestCode(t, user.email);
    const held = await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code: await lastCode(t, user.email) } });
    expect(held.statusCode).toBe(403);
    const { challengeId, methods } = held.json<{ challengeId: string; methods: string[] }>();
    expect(methods).toEqual(['totp', 'backup_code']);
    expect((await stepUp(t, challengeId, codeOf(secret), TEST_IPS.US, chromeMac)).statusCode).toBe(200);
  });

  it('turns off with the password (a wrong one is refused), and password sign-in is one step again', async () => {
    const { user } = await withAuthenticator();
    const wrong = await post(user, '/api/auth/totp/disable', { password: 'not my password at all' });
    expect(wrong.statusCode).toBe(400);
    const both = await post(user, '/api/auth/totp/disable', { password: user.password, code: '123456' });
    expect(both.statusCode).toBe(400);
    expect((await post(user, '/api/auth/totp/disable', { password: user.password })).statusCode).toBe(204);
    expect((await alertsOf(t, user.id)).map((a) => a.alert)).toContain('totp.disabled');
    t.clock.advance(MINUTE_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
  });

  it('turns off with a current code; enabling needs a set-up secret and a right code', async () => {
    const { user, secret } = await withAuthenticator();
    t.clock.advance(30_000);
    expect((await post(user, '/api/auth/totp/disable', { code: codeOf(secret) })).statusCode).toBe(204);
    expect((await post(user, '/api/auth/totp/enable', { code: '123456' })).json()).toMatchObject({ code: 'totp_not_set_up' });
    const setup = (await post(user, '/api/auth/totp/setup')).json<{ secret: string }>();
    const wrong = await post(user, '/api/auth/totp/enable', { code: codeOf(setup.secret, 5) });
    expect(wrong.statusCode).toBe(400);
    expect((await post(user, '/api/auth/totp/enable', { code: 'abc' })).statusCode).toBe(400);
  });
});

describe('TOTP_SECRET_KEY', () => {
  const production = {
    NODE_ENV: 'production',
    SMTP_URL: 'smtp://mail:25',
    DATABASE_URL: 'postgres://db/expensio',
    JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
  };

  it('is required in production with PostgreSQL, and must be 32 bytes', () => {
    expect(() => loadIdentityConfig(production)).toThrow(/TOTP_SECRET_KEY: is required in production/);
    expect(() => loadIdentityConfig({ ...production, TOTP_SECRET_KEY: 'short' })).toThrow(/TOTP_SECRET_KEY: must be 32 bytes/);
    expect(loadIdentityConfig({ ...production, TOTP_SECRET_KEY: 'ab'.repeat(32) }).TOTP_SECRET_KEY).toHaveLength(32);
    expect(() => loadIdentityConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' })).not.toThrow();
  });
});
