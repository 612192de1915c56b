import type { TestIdentity } from './helpers.js';
import { STRONG_PASSWORD, uniqueEmail } from './helpers.js';

/** Real browsers' User-Agent strings: bowser tells them apart, the test harness's default it cannot. */
export const AGENTS = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
} as const;

export interface Account {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers from a given address and browser: registration is the account's first sign-in. */
export async function registerFrom(t: TestIdentity, ip: string, agent: string): Promise<Account> {
  const email = uniqueEmail('sec');
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password: STRONG_PASSWORD },
    remoteAddress: ip,
    headers: { 'user-agent': agent },
  });
  if (response.statusCode !== 201) throw new Error(`register: ${String(response.statusCode)} ${response.body}`);
  const body = response.json<{ user: { id: string }; accessToken: string; refreshToken: string }>();
  return { id: body.user.id, email, password: STRONG_PASSWORD, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

export function loginFrom(t: TestIdentity, account: Pick<Account, 'email' | 'password'>, ip: string, agent: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: account.email, password: account.password },
    remoteAddress: ip,
    headers: { 'user-agent': agent },
  });
}

export function stepUp(t: TestIdentity, challengeId: string, code: string, ip: string, agent: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login/step-up', payload: { challengeId, code }, remoteAddress: ip, headers: { 'user-agent': agent } });
}

/** The newest sign-in row of a user. */
export async function lastSignIn(t: TestIdentity, userId: string) {
  return t.ctx.db
    .selectFrom('sign_ins')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}
