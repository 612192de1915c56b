import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '@expensio/common';
import { loadIdentityConfig, TEST_ARGON2 } from '../src/index.js';
import { createTestIdentity, registerUser, STRONG_PASSWORD, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

async function userCount(email: string) {
  const row = await t.ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<bigint>().as('n'))
    .where('email', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /api/auth/register', () => {
  it('creates the account and answers 201 with the user and both tokens', async () => {
    const email = uniqueEmail();
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: STRONG_PASSWORD, name: 'Ada' } });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toMatchObject({ email, name: 'Ada', role: 'user', emailVerified: false, locked: false });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken.length).toBeGreaterThan(30);
    expect(body.tokenType).toBe('Bearer');
    expect(body.expiresIn).toBe(900);
  });

  it('stores an Argon2id hash with the production parameters, never the password', async () => {
    // The one test on the configured hasher (19 MiB, t=2): every other one uses the harness's cheap one.
    const production = await createTestIdentity({}, { hasher: undefined });
    try {
      const { email } = await registerUser(production);
      const row = await production.ctx.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.password_hash).not.toContain(STRONG_PASSWORD);
      expect((await production.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: STRONG_PASSWORD } })).statusCode).toBe(200);
    } finally {
      await production.close();
    }
  });

  it('hashes with the cheap parameters the test harness stands in', async () => {
    const { email } = await registerUser(t);
    const row = await t.ctx.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${String(TEST_ARGON2.memoryKib)},t=${String(TEST_ARGON2.timeCost)},p=1\\$`));
  });

  it('answers 409 for an email already registered, whatever its case', async () => {
    const { email } = await registerUser(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: `  ${email.toUpperCase()} `, password: STRONG_PASSWORD },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ status: 409, code: 'email_taken' });
    expect(await userCount(email)).toBe(1);
  });

  it('accepts long passphrases without truncating them', async () => {
    const password = 'a long passphrase that keeps going '.repeat(6).slice(0, 200);
    const { email } = await registerUser(t, { password });
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: password.slice(0, 199) } });
    expect(wrong.statusCode).toBe(401);
    const right = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    expect(right.statusCode).toBe(200);
  });

  it.each([
    ['too short', 'short pass1'],
    ['a common password', 'qwerty123456'],
    ['a common word with digits added', 'password123456'],
    ['repetitive', 'aaaaaaaaaaaaaaaa'],
    ['a sequence', 'abcdefghijklmnop'],
  ])('refuses a password that is %s, naming the field and writing nothing', async (_label, password) => {
    const email = uniqueEmail();
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'password', in: 'body' })]);
    expect(await userCount(email)).toBe(0);
  });

  it('refuses a password that contains the email', async () => {
    const email = uniqueEmail('margaret');
    const local = email.split('@')[0] ?? '';
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: `${local}-secret-words` } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'password' });
  });

  it('names every bad field in one 400 and writes nothing', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'not-an-email', password: 42, role: 'admin' } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toMatchObject({ status: 400, title: 'Invalid request', code: 'validation_failed' });
    const fields = body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
    expect(JSON.stringify(body)).toContain('role');
    expect(await userCount('not-an-email')).toBe(0);
  });

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, code: 'malformed_json' });
    expect(response.body).not.toContain('at ');
  });

  it('limits registrations per client IP (10 an hour by default, every attempt counted): the 11th is 429', async () => {
    expect(loadIdentityConfig({ NODE_ENV: 'test' })).toMatchObject({ REGISTRATION_IP_LIMIT: 10, REGISTRATION_IP_WINDOW: HOUR_MS });
    const local = await createTestIdentity({ REGISTRATION_IP_LIMIT: '10' });
    try {
      const register = (email: string, ip = '198.51.100.80') =>
        local.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: STRONG_PASSWORD }, remoteAddress: ip });
      const taken = uniqueEmail('taken');
      expect((await register(taken)).statusCode).toBe(201);
      // An answered 409 counts too: it is the answer that tells who has an account.
      for (let i = 0; i < 4; i += 1) expect((await register(taken)).statusCode).toBe(409);
      for (let i = 0; i < 5; i += 1) expect((await register(uniqueEmail())).statusCode).toBe(201);
      const refused = await register(taken);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'registration_rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
      expect((await register(uniqueEmail(), '198.51.100.81')).statusCode).toBe(201);
      local.clock.advance(HOUR_MS);
      expect((await register(uniqueEmail())).statusCode).toBe(201);
    } finally {
      await local.close();
    }
  });

  it('counts registrations from IPv6 by the /64, and an IPv4-mapped address as its IPv4 client', async () => {
    const local = await createTestIdentity({ REGISTRATION_IP_LIMIT: '3' });
    try {
      const register = (ip: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail(), password: STRONG_PASSWORD }, remoteAddress: ip });
      for (const ip of ['2001:db8:5:9::1', '2001:db8:5:9::2', '2001:db8:5:9:a:b:c:d']) expect((await register(ip)).statusCode).toBe(201);
      expect((await register('2001:db8:5:9::4')).statusCode).toBe(429);
      expect((await register('2001:db8:5:a::1')).statusCode).toBe(201);

      for (let i = 0; i < 3; i += 1) expect((await register('198.51.100.90')).statusCode).toBe(201);
      expect((await register('::ffff:198.51.100.90')).statusCode).toBe(429);
    } finally {
      await local.close();
    }
  });
});
