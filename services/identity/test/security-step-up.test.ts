import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '@expensio/common';
import { TEST_IPS } from '@expensio/common/testing';
import { alertsOf, bearer, createTestIdentity, type TestIdentity } from './helpers.js';
import { AGENTS, lastSignIn, loginFrom, registerFrom, stepUp, type Account } from './security-helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
  t.clock.set('2026-03-02T10:00:00Z');
});
afterAll(async () => {
  await t.close();
});

const { chromeMac, safariIphone } = AGENTS;

/** The 6-digit code in the newest step-up mail to this address. */
async function stepUpCode(email: string): Promise<string> {
  await t.ctx.mail.drain();
  const mail = t.mailer.lastTo(email);
  expect(mail?.subject).toMatch(/sign-in confirmation code/);
  const code = /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1];
  if (code === undefined) throw new Error('no step-up code was mailed');
  return code;
}

/** A US account that then signs in from Japan ten minutes later, with a new phone: held. */
async function heldInJapan(): Promise<{ user: Account; challengeId: string; body: Record<string, unknown> }> {
  t.clock.advance(DAY_MS);
  const user = await registerFrom(t, TEST_IPS.US, chromeMac);
  t.clock.advance(10 * MINUTE_MS);
  const held = await loginFrom(t, user, TEST_IPS.JP, safariIphone);
  expect(held.statusCode).toBe(403);
  const body = held.json<Record<string, unknown>>();
  return { user, challengeId: String(body.challengeId), body };
}

describe('risk-based step-up', () => {
  it('holds US then Japan minutes apart; the emailed code finishes the sign-in, and that device and place are known after', async () => {
    const { user, challengeId, body } = await heldInJapan();
    expect(body).toMatchObject({ code: 'step_up_required', status: 403, methods: ['email_code'] });
    expect(body).not.toHaveProperty('accessToken');
    expect(body.expiresAt).toBe(new Date(t.clock.now().getTime() + 5 * MINUTE_MS).toISOString());
    expect(await lastSignIn(t, user.id)).toMatchObject({
      outcome: 'step_up_required',
      country: 'JP',
      reasons: ['new_device', 'new_country', 'impossible_travel'],
    });
    expect((await alertsOf(t, user.id)).map((a) => a.alert)).toContain('login.step_up_required');

    const code = await stepUpCode(user.email);
    // The step-up code is not a sign-in code by itself.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code } })).statusCode).toBe(401);

    const done = await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone);
    expect(done.statusCode).toBe(200);
    const tokens = done.json<{ accessToken: string; user: { id: string } }>();
    expect(tokens.user.id).toBe(user.id);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(tokens.accessToken) })).statusCode).toBe(200);
    expect(await lastSignIn(t, user.id)).toMatchObject({ method: 'step_up', outcome: 'success', country: 'JP' });

    // Used: a second try is a 401.
    const again = await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ code: 'invalid_challenge' });

    // The phone in Japan is now a known device in a known place: not held, even right after.
    t.clock.advance(MINUTE_MS);
    expect((await loginFrom(t, user, TEST_IPS.JP, safariIphone)).statusCode).toBe(200);
  });

  it('counts wrong codes: five close the challenge, even for the right code after', async () => {
    const { user, challengeId } = await heldInJapan();
    const code = await stepUpCode(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) {
      const response = await stepUp(t, challengeId, wrong, TEST_IPS.JP, safariIphone);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'invalid_code' });
    }
    expect((await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone)).json()).toMatchObject({ code: 'invalid_challenge' });
    const failures = await t.ctx.db.selectFrom('sign_ins').select('outcome').where('user_id', '=', user.id).where('method', '=', 'step_up').execute();
    expect(failures).toHaveLength(5);
  });

  it('refuses an expired challenge with 401', async () => {
    const { user, challengeId } = await heldInJapan();
    const code = await stepUpCode(user.email);
    t.clock.advance(5 * MINUTE_MS + 1);
    const late = await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'invalid_challenge' });
  });

  it('refuses a challenge id that was never handed out, and bad input by field', async () => {
    const unknown = await stepUp(t, '0190f3a0-0000-7000-8000-000000000001', '123456', TEST_IPS.US, chromeMac);
    expect(unknown.statusCode).toBe(401);
    const bad = await stepUp(t, 'not-an-id', '12', TEST_IPS.US, chromeMac);
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['challengeId', 'code']);
  });

  it('does not hold a known device in a known place', async () => {
    t.clock.advance(DAY_MS);
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    t.clock.advance(MINUTE_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
  });

  it('asks every time when the user sets stepUp to always', async () => {
    t.clock.advance(DAY_MS);
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/security/settings',
      headers: bearer(user.accessToken),
      payload: { alertSignals: ['new_country'], alertThreshold: 30, channels: ['live'], stepUp: 'always' },
    });
    expect(put.statusCode).toBe(200);
    t.clock.advance(MINUTE_MS);
    const held = await loginFrom(t, user, TEST_IPS.US, chromeMac);
    expect(held.statusCode).toBe(403);
    expect(held.json()).toMatchObject({ code: 'step_up_required', methods: ['email_code'] });
    const done = await stepUp(t, held.json<{ challengeId: string }>().challengeId, await stepUpCode(user.email), TEST_IPS.US, chromeMac);
    expect(done.statusCode).toBe(200);
  });
});

describe('POST /api/auth/login/step-up/resend', () => {
  const resend = (challengeId: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login/step-up/resend',
      payload: { challengeId },
      remoteAddress: TEST_IPS.JP,
      headers: { 'user-agent': safariIphone },
    });
  const codeMails = async (email: string) => {
    await t.ctx.mail.drain();
    return t.mailer.sent.filter((m) => m.to === email && /sign-in confirmation code/.test(m.subject)).length;
  };

  it('mails a new code (the old one stops working) with the answer POST /api/auth/otp/request gives', async () => {
    const { user, challengeId } = await heldInJapan();
    const first = await stepUpCode(user.email);
    t.clock.advance(MINUTE_MS);
    const resent = await resend(challengeId);
    expect(resent.statusCode).toBe(202);
    const requested = await t.app.inject({ method: 'POST', url: '/api/auth/otp/request', payload: { email: 'nobody-at-all@example.com', purpose: 'login' } });
    expect(resent.json()).toEqual(requested.json());
    // Nothing about the account, the code or the challenge is in the answer.
    expect(Object.keys(resent.json<Record<string, unknown>>())).toEqual(['message']);
    const second = await stepUpCode(user.email);
    expect(await codeMails(user.email)).toBe(2);

    if (second !== first) {
      const stale = await stepUp(t, challengeId, first, TEST_IPS.JP, safariIphone);
      expect(stale.statusCode).toBe(401);
      expect(stale.json()).toMatchObject({ code: 'invalid_code' });
    }
    expect((await stepUp(t, challengeId, second, TEST_IPS.JP, safariIphone)).statusCode).toBe(200);
    // Used: nothing more to resend.
    const used = await resend(challengeId);
    expect(used.statusCode).toBe(401);
    expect(used.json()).toMatchObject({ code: 'invalid_challenge' });
    expect(await codeMails(user.email)).toBe(2);
  });

  it('does not stretch the challenge: a code resent a minute before it expires still dies with it', async () => {
    const { user, challengeId, body } = await heldInJapan();
    t.clock.advance(4 * MINUTE_MS);
    expect((await resend(challengeId)).statusCode).toBe(202);
    const code = await stepUpCode(user.email);
    t.clock.set(new Date(Date.parse(String(body.expiresAt)) + 1).toISOString());
    const late = await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'invalid_challenge' });
  });

  it('counts against the address’s code limit with the sign-in and POST /api/auth/otp/request: the fourth in a window is 429 and locks codes', async () => {
    const { user, challengeId } = await heldInJapan();
    expect((await resend(challengeId)).statusCode).toBe(202);
    expect((await resend(challengeId)).statusCode).toBe(202);
    const limited = await resend(challengeId);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBe(15 * 60);
    expect(limited.json()).toMatchObject({ status: 429, code: 'otp_rate_limited' });
    // The same lock holds for every code request to that address.
    const viaRequest = await t.app.inject({ method: 'POST', url: '/api/auth/otp/request', payload: { email: user.email, purpose: 'login' } });
    expect(viaRequest.statusCode).toBe(429);
    expect(await codeMails(user.email)).toBe(3);
    expect(t.mailer.sent.filter((m) => m.to === user.email && /codes paused/.test(m.subject))).toHaveLength(1);
    // The last code sent still finishes the sign-in.
    const last = t.mailer.sent.filter((m) => m.to === user.email && /sign-in confirmation code/.test(m.subject)).at(-1);
    const code = /\b(\d{6})\b/.exec(last?.text ?? '')?.[1] ?? '';
    expect((await stepUp(t, challengeId, code, TEST_IPS.JP, safariIphone)).statusCode).toBe(200);
  });

  it('an expired or never handed out challenge is 401, bad input is 400 naming challengeId, and nothing is mailed', async () => {
    const { user, challengeId } = await heldInJapan();
    t.clock.advance(5 * MINUTE_MS + 1);
    const late = await resend(challengeId);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'invalid_challenge' });
    expect(await codeMails(user.email)).toBe(1);
    const unknown = await resend('0190f3a0-0000-7000-8000-000000000001');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toMatchObject({ code: 'invalid_challenge' });
    const bad = await resend('not-an-id');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['challengeId']);
  });
});
