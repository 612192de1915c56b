import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/admin/service.js';
import {
  alertsOf,
  bearer,
  createTestIdentity,
  failNextPublishAfterWriting,
  lastCode,
  outboxOf,
  registerUser,
  requestCode,
  signInByCode,
  uniqueEmail,
  type Registered,
  type TestIdentity,
} from './helpers.js';

let t: TestIdentity;
let admin: { id: string; accessToken: string };

async function adminSession(on: TestIdentity, email: string) {
  await ensureAdmin(on.ctx, email);
  const session = await signInByCode(on, email);
  return { id: session.user.id, accessToken: session.accessToken };
}

beforeAll(async () => {
  t = await createTestIdentity();
  admin = await adminSession(t, uniqueEmail('admin'));
});
afterAll(async () => {
  await t.close();
});

function deleteAccount(token: string, payload: object | undefined, on = t) {
  return on.app.inject({ method: 'DELETE', url: '/api/auth/account', headers: bearer(token), ...(payload !== undefined && { payload }) });
}

function adminDelete(id: string, token = admin.accessToken) {
  return t.app.inject({ method: 'DELETE', url: `/api/admin/users/${id}`, headers: bearer(token) });
}

function profile(token: string, on = t) {
  return on.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(token) });
}

async function rowsOf(userId: string, on = t) {
  const db = on.ctx.db;
  const count = async (query: Promise<unknown[]>) => (await query).length;
  return {
    users: await count(db.selectFrom('users').select('id').where('id', '=', userId).execute()),
    sessions: await count(db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()),
    refreshTokens: await count(
      db
        .selectFrom('refresh_tokens')
        .select('token_hash')
        .where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('user_id', '=', userId))
        .execute(),
    ),
    otpChallenges: await count(db.selectFrom('otp_challenges').select('id').where('user_id', '=', userId).execute()),
    securityEvents: await count(db.selectFrom('security_events').select('id').where('user_id', '=', userId).execute()),
  };
}

/** A user with a second session and an open code, so deletion has every kind of row to remove. */
async function busyUser(): Promise<Registered & { second: { accessToken: string; refreshToken: string } }> {
  const user = await registerUser(t);
  const second = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
  expect((await requestCode(t, user.email, 'password_reset')).statusCode).toBe(202);
  return { ...user, second: second.json() };
}

async function expectGone(user: Registered & { second?: { accessToken: string; refreshToken: string } }) {
  expect(await rowsOf(user.id)).toEqual({ users: 0, sessions: 0, refreshTokens: 0, otpChallenges: 0, securityEvents: 0 });
  for (const token of [user.accessToken, user.second?.accessToken].filter((x) => x !== undefined)) {
    expect((await profile(token)).statusCode).toBe(401);
    // What finance and the realtime gateway ask on every request.
    const claims = decodeJwt(token);
    expect(await t.ctx.revocations.check({ jti: String(claims.jti), sid: String(claims.sid) })).toBe(true);
  }
  for (const refreshToken of [user.refreshToken, user.second?.refreshToken].filter((x) => x !== undefined)) {
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } })).statusCode).toBe(401);
  }
  expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } })).statusCode).toBe(401);
}

describe('DELETE /api/auth/account', () => {
  it('with the password: 204, every identity row goes, every token stops at once, and user.deleted is published', async () => {
    const user = await busyUser();
    const bystander = await registerUser(t);
    const bystanderBefore = await rowsOf(bystander.id);
    await t.settle();

    const response = await deleteAccount(user.accessToken, { password: user.password });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    await expectGone(user);

    // Delivered events of the user went with the rest; what remains is the news of the deletion.
    const published = await outboxOf(t, user.id);
    expect(published).toEqual([
      { type: 'user.deleted', userId: user.id, payload: { reason: 'user_request' } },
      {
        type: 'security.alert',
        userId: user.id,
        payload: expect.objectContaining({ alert: 'account.deleted', severity: 'info', details: { reason: 'user_request' } }),
      },
    ]);
    const audit = await t.ctx.db.selectFrom('security_events').select(['user_id', 'details']).where('type', '=', 'account.deleted').execute();
    expect(audit).toContainEqual({ user_id: null, details: { userId: user.id, reason: 'user_request', by: user.id } });
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.subject).toMatch(/account was deleted/);

    expect(await rowsOf(bystander.id)).toEqual(bystanderBefore);
    expect((await profile(bystander.accessToken)).statusCode).toBe(200);
    expect(await outboxOf(t, bystander.id, 'user.deleted')).toHaveLength(0);
    await t.settle();
  });

  it('the address can register again afterwards, as a new account', async () => {
    const user = await registerUser(t);
    expect((await deleteAccount(user.accessToken, { password: user.password })).statusCode).toBe(204);
    const again = await registerUser(t, { email: user.email });
    expect(again.id).not.toBe(user.id);
    expect((await profile(again.accessToken)).statusCode).toBe(200);
  });

  it('a wrong password is a 400 naming password, like a password change, and deletes nothing', async () => {
    const user = await registerUser(t);
    const response = await deleteAccount(user.accessToken, { password: 'this is not my password' });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'password', code: 'wrong_password' })]);
    expect(await rowsOf(user.id)).toMatchObject({ users: 1, sessions: 1 });
    expect((await profile(user.accessToken)).statusCode).toBe(200);
    expect(await outboxOf(t, user.id, 'user.deleted')).toHaveLength(0);
    expect((await outboxOf(t, user.id, 'auth.login.failed')).map((row) => row.payload.reason)).toEqual(['wrong_current_password']);
  });

  it('wrong passwords count against the sign-in limit: a stolen token cannot guess on', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 5; i += 1) expect((await deleteAccount(user.accessToken, { password: `guess number ${i} here` })).statusCode).toBe(400);
    expect((await deleteAccount(user.accessToken, { password: user.password })).statusCode).toBe(429);
    expect(await rowsOf(user.id)).toMatchObject({ users: 1 });
  });

  it('with a fresh account_deletion code (mailed as such), for an account that has a password too', async () => {
    const user = await registerUser(t);
    expect((await requestCode(t, user.email, 'account_deletion')).statusCode).toBe(202);
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.subject).toMatch(/account deletion code/);
    const code = await lastCode(t, user.email);
    expect((await deleteAccount(user.accessToken, { code })).statusCode).toBe(204);
    await expectGone(user);
    expect((await outboxOf(t, user.id, 'user.deleted')).map((row) => row.payload)).toEqual([{ reason: 'user_request' }]);
  });

  it('a wrong, expired or other-purpose code is a 400 naming code, and deletes nothing', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email, 'login');
    const loginCode = await lastCode(t, user.email);
    const wrongPurpose = await deleteAccount(user.accessToken, { code: loginCode });
    expect(wrongPurpose.statusCode).toBe(400);
    expect(wrongPurpose.json().errors).toEqual([expect.objectContaining({ field: 'code', code: 'invalid_code' })]);

    await requestCode(t, user.email, 'account_deletion');
    const code = await lastCode(t, user.email);
    expect((await deleteAccount(user.accessToken, { code: code === '000000' ? '111111' : '000000' })).statusCode).toBe(400);
    t.clock.advance(5 * 60_000 + 1);
    expect((await deleteAccount(user.accessToken, { code })).statusCode).toBe(400);
    expect(await rowsOf(user.id)).toMatchObject({ users: 1 });
    expect(await outboxOf(t, user.id, 'user.deleted')).toHaveLength(0);
  });

  it('another user’s code does not delete this account', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    await requestCode(t, other.email, 'account_deletion');
    const othersCode = await lastCode(t, other.email);
    expect((await deleteAccount(owner.accessToken, { code: othersCode })).statusCode).toBe(400);
    expect(await rowsOf(owner.id)).toMatchObject({ users: 1 });
    expect(await rowsOf(other.id)).toMatchObject({ users: 1 });
  });

  it('an account without a password is told to use a code (400 naming password)', async () => {
    const codeOnly = await adminSession(t, uniqueEmail('codeonly'));
    const response = await deleteAccount(codeOnly.accessToken, { password: 'any password at all here' });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'password', code: 'no_password' })]);
  });

  it('rejects bad bodies with 400 naming the fields, and needs a token', async () => {
    const user = await registerUser(t);
    const cases: [object | undefined, string][] = [
      [undefined, ''],
      [{}, 'password'],
      [{ password: user.password, code: '123456' }, 'password'],
      [{ code: '12ab' }, 'code'],
      [{ password: user.password, role: 'admin' }, ''],
    ];
    for (const [payload, field] of cases) {
      const response = await deleteAccount(user.accessToken, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      if (field !== '') expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await t.app.inject({ method: 'DELETE', url: '/api/auth/account', payload: { password: user.password } })).statusCode).toBe(401);
    expect(await rowsOf(user.id)).toMatchObject({ users: 1 });
  });

  it('is one transaction: when it fails after publishing user.deleted, the account, its sessions and the event all remain', async () => {
    const user = await registerUser(t);
    let goneInsidePublish = false;
    const spy = failNextPublishAfterWriting(t, async (trx) => {
      // Only the deleting transaction itself sees the row gone before it commits.
      goneInsidePublish = (await trx.selectFrom('users').select('id').where('id', '=', user.id).execute()).length === 0;
    });
    try {
      expect((await deleteAccount(user.accessToken, { password: user.password })).statusCode).toBe(500);
      expect(spy).toHaveBeenCalledWith(expect.anything(), 'user.deleted', user.id, { reason: 'user_request' });
    } finally {
      spy.mockRestore();
    }
    expect(goneInsidePublish).toBe(true);
    expect(await rowsOf(user.id)).toMatchObject({ users: 1, sessions: 1, refreshTokens: 1 });
    expect(await outboxOf(t, user.id, 'user.deleted')).toHaveLength(0);
  });
});

describe('DELETE /api/admin/users/:id', () => {
  it('deletes the user with reason admin: 204, rows gone, tokens refused, user.deleted published; others untouched', async () => {
    const user = await busyUser();
    const bystander = await registerUser(t);
    const response = await adminDelete(user.id);
    expect(response.statusCode).toBe(204);
    await expectGone(user);
    expect((await outboxOf(t, user.id, 'user.deleted')).map((row) => row.payload)).toEqual([{ reason: 'admin' }]);
    expect(await alertsOf(t, user.id)).toContainEqual(expect.objectContaining({ alert: 'account.deleted', severity: 'warning', details: { reason: 'admin' } }));
    const audit = await t.ctx.db.selectFrom('security_events').select('details').where('type', '=', 'account.deleted').execute();
    expect(audit.map((row) => row.details)).toContainEqual({ userId: user.id, reason: 'admin', by: admin.id });
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.text).toMatch(/deleted by an administrator/);
    expect((await profile(bystander.accessToken)).statusCode).toBe(200);
    expect((await profile(admin.accessToken)).statusCode).toBe(200);
    expect((await adminDelete(user.id)).statusCode).toBe(404);
  });

  it('may delete another admin', async () => {
    const other = await registerUser(t);
    expect(
      (await t.app.inject({ method: 'PATCH', url: `/api/admin/users/${other.id}`, headers: bearer(admin.accessToken), payload: { role: 'admin' } })).statusCode,
    ).toBe(200);
    expect((await adminDelete(other.id)).statusCode).toBe(204);
    expect(await rowsOf(other.id)).toMatchObject({ users: 0 });
  });

  it('answers 404 for an unknown id, 400 for a malformed one, 409 for oneself, 403 for a user and 401 without a token', async () => {
    const unknown = await adminDelete('0190a000-0000-7000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'user_not_found' });
    const malformed = await adminDelete('42');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0]).toMatchObject({ field: 'id', in: 'params' });
    const self = await adminDelete(admin.id);
    expect(self.statusCode).toBe(409);
    expect(self.json()).toMatchObject({ code: 'self_delete_forbidden' });
    const user = await registerUser(t);
    const victim = await registerUser(t);
    expect((await adminDelete(victim.id, user.accessToken)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/users/${victim.id}` })).statusCode).toBe(401);
    expect(await rowsOf(victim.id)).toMatchObject({ users: 1 });
    expect(await rowsOf(admin.id)).toMatchObject({ users: 1 });
  });
});

describe('the last admin', () => {
  it('cannot delete their own account (409 last_admin, the code kept); once another admin exists, they can', async () => {
    const local = await createTestIdentity();
    try {
      const email = uniqueEmail('sole');
      const sole = await adminSession(local, email);
      await requestCode(local, email, 'account_deletion');
      const code = await lastCode(local, email);
      const refused = await deleteAccount(sole.accessToken, { code }, local);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'last_admin' });
      expect(await outboxOf(local, sole.id, 'user.deleted')).toHaveLength(0);

      // A locked admin cannot sign in, so does not count.
      const deputy = await registerUser(local);
      const promote = (payload: object) =>
        local.app.inject({ method: 'PATCH', url: `/api/admin/users/${deputy.id}`, headers: bearer(sole.accessToken), payload });
      expect((await promote({ role: 'admin', locked: true })).statusCode).toBe(200);
      expect((await deleteAccount(sole.accessToken, { code }, local)).statusCode).toBe(409);
      expect((await promote({ locked: false })).statusCode).toBe(200);
      expect((await deleteAccount(sole.accessToken, { code }, local)).statusCode).toBe(204);
      expect(await rowsOf(sole.id, local)).toMatchObject({ users: 0 });
    } finally {
      await local.close();
    }
  });

  it('two last admins deleting themselves at once: one goes, the other is refused', async () => {
    const local = await createTestIdentity();
    try {
      const first = await registerUser(local);
      const second = await registerUser(local);
      await local.ctx.db.updateTable('users').set({ role: 'admin' }).where('id', 'in', [first.id, second.id]).execute();
      const answers = await Promise.all([
        deleteAccount(first.accessToken, { password: first.password }, local),
        deleteAccount(second.accessToken, { password: second.password }, local),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 409]);
      const admins = await local.ctx.db.selectFrom('users').select('id').where('role', '=', 'admin').execute();
      expect(admins).toHaveLength(1);
    } finally {
      await local.close();
    }
  });
});
