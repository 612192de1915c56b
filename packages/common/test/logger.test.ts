import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, redactUrl } from '@expensio/common';

const SECRETS = {
  password: 'hunter2-password',
  refreshToken: 'rt-0123456789abcdef',
  accessToken: 'eyJhbGciOiJFUzI1NiJ9.at.sig',
  otp: '913275',
  token: 'reset-token-abc',
};

/** A logger built like the services' one, writing its JSON lines into an array. */
function capture(level = 'info') {
  const lines: string[] = [];
  const log = pino(loggerOptions(level, 'logger-test'), {
    write: (line: string) => {
      lines.push(line);
    },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, records };
}

describe('loggerOptions', () => {
  it('redacts secrets logged at the top level', () => {
    const { log, lines, records } = capture();
    log.info({ ...SECRETS, email: 'ada@example.com' }, 'signed in');
    expect(records()[0]).toMatchObject({
      msg: 'signed in',
      service: 'logger-test',
      email: 'ada@example.com',
      password: '[redacted]',
      refreshToken: '[redacted]',
      accessToken: '[redacted]',
      otp: '[redacted]',
      token: '[redacted]',
    });
    for (const secret of Object.values(SECRETS)) expect(lines.join('')).not.toContain(secret);
  });

  it('keeps error codes but redacts a code inside a request body', () => {
    const { log, records } = capture();
    log.error({ err: { code: '42P01' }, req: { body: { code: '481516' } } }, 'failed');
    expect(records()[0]).toMatchObject({ err: { code: '42P01' }, req: { body: { code: '[redacted]' } } });
  });

  it('redacts secrets one level down, e.g. in a logged body', () => {
    const { log, lines, records } = capture();
    log.info(
      {
        body: {
          ...SECRETS,
          code: '000111',
          currentPassword: 'old-pass-1',
          newPassword: 'new-pass-2',
          otp: '123456',
          secret: 'totp-secret',
          privateKey: 'pem-key',
          email: 'ada@example.com',
        },
      },
      'request body',
    );
    expect(records()[0]?.body).toEqual({
      password: '[redacted]',
      refreshToken: '[redacted]',
      accessToken: '[redacted]',
      code: '[redacted]',
      token: '[redacted]',
      currentPassword: '[redacted]',
      newPassword: '[redacted]',
      otp: '[redacted]',
      secret: '[redacted]',
      privateKey: '[redacted]',
      email: 'ada@example.com',
    });
    for (const secret of [...Object.values(SECRETS), 'old-pass-1', 'new-pass-2', 'totp-secret', 'pem-key']) {
      expect(lines.join('')).not.toContain(secret);
    }
  });

  it('redacts secrets nested deeper, e.g. a request body inside a request', () => {
    const { log, lines, records } = capture();
    log.info({ req: { body: { password: 'deep-secret-1', profile: { refreshToken: 'deep-secret-2' } } } }, 'nested');
    expect(records()[0]?.req).toEqual({ body: { password: '[redacted]', profile: { refreshToken: '[redacted]' } } });
    expect(lines.join('')).not.toContain('deep-secret');
  });

  it('redacts the authorization and cookie headers of a request, keeping the others', () => {
    const { log, lines, records } = capture();
    log.info(
      { req: { method: 'GET', url: '/api/me', headers: { authorization: 'Bearer eyJ.secret.sig', cookie: 'sid=s3cr3t', 'user-agent': 'curl/8' } } },
      'incoming',
    );
    log.info({ headers: { authorization: 'Bearer other.secret.sig', accept: 'application/json' } }, 'outgoing');
    const [incoming, outgoing] = records();
    expect(incoming?.req).toEqual({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'curl/8' },
    });
    expect(outgoing?.headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect(lines.join('')).not.toMatch(/secret\.sig|s3cr3t/);
  });

  it('redacts the set-cookie header of a response', () => {
    const { log, lines } = capture();
    log.info({ res: { statusCode: 200, headers: { 'set-cookie': 'refresh=abc123def' } } }, 'sent');
    expect(lines.join('')).not.toContain('abc123def');
    expect(lines.join('')).toContain('[redacted]');
  });

  it('honours the level and stamps ISO times', () => {
    const { log, records } = capture('warn');
    log.info('hidden');
    log.warn('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
    expect(String(records()[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('logs an error by its safe fields only: the query tree of a Kysely error stays out', async () => {
    const { log, lines, records } = capture();
    const db = new Kysely<{ users: { email: string } }>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (kysely) => new PostgresIntrospector(kysely),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    const error = await db
      .selectFrom('users')
      .select('email')
      .where('email', '=', 'canary-in-the-tree')
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => e);
    log.warn({ err: error }, 'background loop failed');
    expect(records()[0]?.err).toEqual({ type: 'NoResultError', message: 'no result', stack: expect.stringContaining('no result') });
    expect(lines.join('')).not.toContain('canary-in-the-tree');
  });

  it('keeps the fields that say where a connection failed, and follows causes and aggregated errors', () => {
    const { log, records } = capture();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '127.0.0.1',
      port: 5432,
      config: { password: 'pool-password' },
    });
    log.error({ err: new AggregateError([refused], 'all attempts failed', { cause: new Error('pool exhausted') }) }, 'failed');
    expect(records()[0]?.err).toMatchObject({
      type: 'AggregateError',
      message: 'all attempts failed',
      cause: { type: 'Error', message: 'pool exhausted' },
      errors: [{ type: 'Error', code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 5432 }],
    });
    expect(JSON.stringify(records()[0])).not.toContain('pool-password');
  });

  it('redacts every value in the query of a URL, credentials and searches alike, and keeps the path and the names', () => {
    expect(redactUrl('/api/auth/profile?access_token=eyJ.a.b')).toBe('/api/auth/profile?access_token=[redacted]');
    expect(redactUrl('/reset?e=ada%40example.com&Code=123456&otp_code=9')).toBe('/reset?e=[redacted]&Code=[redacted]&otp_code=[redacted]');
    expect(redactUrl('/x?access%5Ftoken=t&refreshToken[]=r&flag&cursor=abc')).toBe(
      '/x?access%5Ftoken=[redacted]&refreshToken[]=[redacted]&flag&cursor=[redacted]',
    );
    expect(redactUrl('/api/transactions/0190a5b4?limit=5&text=divorce%20lawyer')).toBe('/api/transactions/0190a5b4?limit=[redacted]&text=[redacted]');
    expect(redactUrl('/api/admin/users?email=ada@example.com')).toBe('/api/admin/users?email=[redacted]');
    expect(redactUrl('/health')).toBe('/health');
  });
});
