import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, commaList, ConfigError, duration, envBoolean, loadConfig, parseDuration } from '@expensio/common';

/** The ConfigError a call throws; fails the test when it throws nothing or something else. */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig', () => {
  it('returns typed defaults for an empty environment', () => {
    const config = loadConfig(baseConfigSchema, {});
    expect(config).toEqual({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 3000,
      LOG_LEVEL: 'info',
      DATA_DIR: './data',
      DATABASE_POOL_SIZE: 10,
      MIGRATE_ON_START: true,
      TRUST_PROXY: [],
      CORS_ORIGINS: [],
      RATE_LIMIT_MAX: 300,
      RATE_LIMIT_WINDOW: 60_000,
      JWT_ISSUER: 'expensio-identity',
      JWT_AUDIENCE: 'expensio',
      SHUTDOWN_TIMEOUT: 25_000,
      SHUTDOWN_DELAY: 0,
      METRICS_ENABLED: true,
    });
    expectTypeOf(config.PORT).toEqualTypeOf<number>();
    expectTypeOf(config.MIGRATE_ON_START).toEqualTypeOf<boolean>();
    expectTypeOf(config.TRUST_PROXY).toEqualTypeOf<string[]>();
    expectTypeOf(config.DATABASE_URL).toEqualTypeOf<string | undefined>();
  });

  it('parses and converts the values it is given', () => {
    const config = loadConfig(baseConfigSchema, {
      NODE_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgres://app@db.internal:5432/expensio',
      REDIS_URL: 'rediss://cache.internal:6380',
      MIGRATE_ON_START: 'no',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.1',
      RATE_LIMIT_WINDOW: '15m',
      METRICS_ENABLED: 'off',
      METRICS_PORT: '9464',
      SHUTDOWN_TIMEOUT: '20s',
      SHUTDOWN_DELAY: '5s',
    });
    expect(config).toMatchObject({
      METRICS_ENABLED: false,
      METRICS_PORT: 9464,
      SHUTDOWN_TIMEOUT: 20_000,
      SHUTDOWN_DELAY: 5_000,
      NODE_ENV: 'production',
      PORT: 8080,
      DATABASE_URL: 'postgres://app@db.internal:5432/expensio',
      REDIS_URL: 'rediss://cache.internal:6380',
      MIGRATE_ON_START: false,
      TRUST_PROXY: ['10.0.0.0/8', '192.168.1.1'],
      RATE_LIMIT_WINDOW: 900_000,
    });
  });

  it('ignores variables the schema does not know', () => {
    const config = loadConfig(baseConfigSchema, { PATH: '/usr/bin', HOME: '/root', PORT: '4000' });
    expect(config).not.toHaveProperty('PATH');
    expect(config.PORT).toBe(4000);
  });

  it('names every bad variable in one ConfigError', () => {
    const error = configErrorOf(() =>
      loadConfig(baseConfigSchema, {
        PORT: '99999',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://db/expensio',
        MIGRATE_ON_START: 'maybe',
        RATE_LIMIT_WINDOW: 'soon',
        HOST: 'localhost',
      }),
    );
    const named = error.problems.map((problem) => problem.split(':')[0]);
    expect(named.sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'MIGRATE_ON_START', 'PORT', 'RATE_LIMIT_WINDOW']);
    for (const name of named) expect(error.message).toContain(name);
    expect(error.message).toContain('"soon" is not a duration');
    expect(error.name).toBe('ConfigError');
  });

  it('treats empty strings as unset: defaults apply and required variables are reported missing', () => {
    const config = loadConfig(baseConfigSchema, { PORT: '', LOG_LEVEL: '', DATABASE_URL: '', TRUST_PROXY: '' });
    expect(config.PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TRUST_PROXY).toEqual([]);

    const withSecret = baseConfigSchema.extend({ JWT_ISSUER: z.string() });
    const error = configErrorOf(() => loadConfig(withSecret, { JWT_ISSUER: '' }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^JWT_ISSUER: /);
    expect(loadConfig(withSecret, { JWT_ISSUER: 'https://id.example' }).JWT_ISSUER).toBe('https://id.example');
  });

  it('reads process.env when no environment is passed', () => {
    const schema = z.object({ EXPENSIO_CONFIG_TEST_VALUE: z.string() });
    process.env.EXPENSIO_CONFIG_TEST_VALUE = 'from-process';
    try {
      expect(loadConfig(schema).EXPENSIO_CONFIG_TEST_VALUE).toBe('from-process');
    } finally {
      delete process.env.EXPENSIO_CONFIG_TEST_VALUE;
    }
  });
});

describe('durations', () => {
  it.each([
    ['15m', 900_000],
    ['30s', 30_000],
    ['7d', 604_800_000],
    ['12h', 43_200_000],
    ['900', 900_000],
    ['250ms', 250],
    ['0', 0],
    [' 5s ', 5_000],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(duration.parse(text)).toBe(ms);
  });

  it.each(['', 'soon', '1.5h', '-5s', '5 m', '5w', '10sec', 'ms', '15M', '1e3'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
    const result = duration.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('is not a duration');
  });
});

describe('envBoolean', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['TRUE', true],
    [' Yes ', true],
    ['Off', false],
  ])('reads %j as %s', (text, value) => {
    expect(envBoolean.parse(text)).toBe(value);
  });

  it.each(['maybe', '2', 'y', 'enabled'])('refuses %j', (text) => {
    expect(envBoolean.safeParse(text).success).toBe(false);
  });
});

describe('commaList', () => {
  it('splits, trims and drops empty entries', () => {
    expect(commaList.parse(' https://a.example , https://b.example,, ')).toEqual(['https://a.example', 'https://b.example']);
    expect(commaList.parse(',')).toEqual([]);
  });
});
