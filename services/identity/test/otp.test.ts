import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '@expensio/common';
import { bearer, createTestIdentity, lastCode, registerUser, requestCode, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

function verify(email: string, code: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email, code } });
}

async function mailCount(email: string) {
  await t.ctx.mail.drain();
  return t.mailer.sent.filter((m) => m.to === email).length;
}

describe('POST /api/auth/otp/request', () => {
  it('answers the same 202 whether or not the account exists, and mails only a real account', async () => {
    const user = await registerUser(t);
    const ghost = uniqueEmail('ghost');
    const known = await requestCode(t, user.email);
    const unknown = await requestCode(t, ghost);
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(await mailCount(user.email)).toBe(1);
    expect(await mailCount(ghost)).toBe(0);
  });

  it('stores only a hash of the code', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    expect(code).toMatch(/^\d{6}$/);
    const rows = await t.ctx.db.selectFrom('otp_challenges').select('code_hash').where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.code_hash).not.toContain(code);
    expect(rows[0]?.code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('allows 3 requests per 15 minutes; the 4th gets 429 with Retry-After, locks codes for 15 minutes and tells the user by mail', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 3; i += 1) expect((await requestCode(t, user.email)).statusCode).toBe(202);
    const fourth = await requestCode(t, user.email);
    expect(fourth.statusCode).toBe(429);
    expect(Number(fourth.headers['retry-after'])).toBe(15 * 60);
    expect(fourth.json()).toMatchObject({ status: 429, code: 'otp_rate_limited' });
    await t.ctx.mail.drain();
    const mails = t.mailer.sent.filter((m) => m.to === user.email);
    expect(mails).toHaveLength(4);
    expect(mails.at(-1)?.subject).toMatch(/too many code requests/i);
    const locked = await t.ctx.db.selectFrom('security_events').select('type').where('user_id', '=', user.id).where('type', '=', 'otp.locked').execute();
    expect(locked).toHaveLength(1);

    // Still locked 14 minutes later, with a shorter Retry-After; nothing more is mailed.
    t.clock.advance(14 * MINUTE_MS);
    const stillLocked = await requestCode(t, user.email);
    expect(stillLocked.statusCode).toBe(429);
    expect(Number(stillLocked.headers['retry-after'])).toBe(60);
    expect(await mailCount(user.email)).toBe(4);

    // Recovery: when the lockout ends, a new code can be requested and used.
    t.clock.advance(MINUTE_MS + 1000);
    expect((await requestCode(t, user.email)).statusCode).toBe(202);
    const code = await lastCode(t, user.email);
    expect((await verify(user.email, code)).statusCode).toBe(200);
  });

  it('limits an address with no account the same way, so a 429 reveals nothing', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i += 1) expect((await requestCode(t, ghost)).statusCode).toBe(202);
    const fourth = await requestCode(t, ghost);
    expect(fourth.statusCode).toBe(429);
    expect(await mailCount(ghost)).toBe(0);
  });

  it('counts sliding windows: requests spread over time are fine', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 6; i += 1) {
      expect((await requestCode(t, user.email)).statusCode).toBe(202);
      t.clock.advance(6 * MINUTE_MS);
    }
  });

  it('rejects bad input with 400 naming the field', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/otp/request', payload: { email: 'nope', purpose: 'admin' } });
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['email', 'purpose']);
  });
});

describe('POST /api/auth/otp/verify', () => {
  it('signs in with the emailed code, once, and marks the email verified', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    const first = await verify(user.email, code);
    expect(first.statusCode).toBe(200);
    expect(first.json().user).toMatchObject({ id: user.id, emailVerified: true });
    const profile = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(first.json().accessToken) });
    expect(profile.statusCode).toBe(200);
    expect((await verify(user.email, code)).statusCode).toBe(401);
  });

  it('refuses a wrong code with 401', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    const response = await verify(user.email, wrong);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'invalid_code' });
  });

  it('refuses an expired code (valid 5 minutes)', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    t.clock.advance(5 * MINUTE_MS + 1);
    expect((await verify(user.email, code)).statusCode).toBe(401);
  });

  it('voids the code after 5 wrong tries, even if the 6th is right', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    const wrong = code === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i += 1) expect((await verify(user.email, wrong)).statusCode).toBe(401);
    // Past this client's delay (1 s after 5 failures), so the code's own limit is what answers.
    t.clock.advance(1_000);
    expect((await verify(user.email, code)).statusCode).toBe(401);
  });

  it('a new request replaces the previous code', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const first = await lastCode(t, user.email);
    await requestCode(t, user.email);
    const second = await lastCode(t, user.email);
    // Codes are random: only when they differ can the first one be shown dead.
    if (first !== second) expect((await verify(user.email, first)).statusCode).toBe(401);
    expect((await verify(user.email, second)).statusCode).toBe(200);
    const open = await t.ctx.db.selectFrom('otp_challenges').select('id').where('user_id', '=', user.id).where('consumed_at', 'is', null).execute();
    expect(open).toHaveLength(0);
  });

  it('answers 401 for an address with no account', async () => {
    expect((await verify(uniqueEmail('ghost'), '123456')).statusCode).toBe(401);
  });

  it('rejects a malformed code with 400', async () => {
    const response = await verify(uniqueEmail(), '12ab');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'code' });
  });
});
