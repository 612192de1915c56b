import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, checkStandalone, loadServicesConfig, type AnyServiceDescriptor } from '../src/index.js';

/** Just enough of a descriptor for the config rules: nothing here is built or run. */
function descriptor(name: string, extra: Partial<AnyServiceDescriptor> = {}): AnyServiceDescriptor {
  return {
    name,
    title: name,
    schema: name,
    configShape: {},
    migrations: () => ({ schema: name, migrations: [] }),
    createContext: () => {
      throw new Error('not built here');
    },
    routes: () => undefined,
    ...extra,
  };
}

const issuer = descriptor('identity', {
  verifier: () => {
    throw new Error('not built here');
  },
  configShape: { SMTP_URL: z.string().optional() },
  checkConfig: (config: { NODE_ENV: string; SMTP_URL?: string }) =>
    config.NODE_ENV === 'production' && config.SMTP_URL === undefined ? ['SMTP_URL: is required in production'] : [],
  standalone: { warns: { AMQP_URL: 'identity alone publishes to no one' } },
});
const ledger = descriptor('finance', {
  configShape: { DEFAULT_CURRENCY: z.string().default('USD') },
  standalone: { requires: { AMQP_URL: 'deletions travel through it' } },
});

describe('one config for the services of a process', () => {
  it("merges every service's shape with the base one, parsed once", () => {
    const config = loadServicesConfig([issuer, ledger], { SMTP_URL: 'smtp://mail', JWT_AUDIENCE: 'mine' });
    expect(config).toMatchObject({ DEFAULT_CURRENCY: 'USD', SMTP_URL: 'smtp://mail', JWT_ISSUER: 'expensio-identity', JWT_AUDIENCE: 'mine', PORT: 3000 });
  });

  it("reports bad variables, and each service's rules across variables, as a ConfigError", () => {
    expect(() => loadServicesConfig([issuer, ledger], { PORT: 'eighty', DEFAULT_CURRENCY: '' })).toThrow(/PORT/);
    expect(() => loadServicesConfig([issuer, ledger], { NODE_ENV: 'production' })).toThrow(/SMTP_URL: is required in production/);
    expect(() => loadServicesConfig([issuer, ledger], { NODE_ENV: 'production', SMTP_URL: 'smtp://mail' })).not.toThrow();
  });

  it('a service alone without identity needs the JWKS, Redis and its own standalone variables', () => {
    const config = loadServicesConfig([ledger], {});
    try {
      checkStandalone([ledger], config);
      expect.unreachable('finance alone started without its variables');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'IDENTITY_JWKS_URL: is required when finance runs alone (e.g. http://identity:3000/.well-known/jwks.json)',
        'REDIS_URL: is required when finance runs alone (revoked tokens are shared through it)',
        'AMQP_URL: is required when finance runs alone (deletions travel through it)',
      ]);
    }
    const complete = loadServicesConfig([ledger], {
      IDENTITY_JWKS_URL: 'http://identity:3000/.well-known/jwks.json',
      REDIS_URL: 'redis://redis:6379',
      AMQP_URL: 'amqp://mq',
    });
    expect(checkStandalone([ledger], complete)).toEqual([]);
  });

  it('identity alone only warns without the broker; composed with identity, nothing is required', () => {
    expect(checkStandalone([issuer], loadServicesConfig([issuer], {}))).toEqual(['AMQP_URL is unset: identity alone publishes to no one']);
    expect(checkStandalone([issuer, ledger], loadServicesConfig([issuer, ledger], {}))).toEqual([]);
  });
});
