import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loggerOptions, type Logger } from '@expensio/common';
import { loadIdentityConfig } from '../src/config.js';
import { mailboxMailer, smtpMailer, type Mailer } from '../src/mail/mailer.js';
import { MailQueue } from '../src/mail/queue.js';
import { otpMail } from '../src/mail/templates.js';
import { loadSigningKeys } from '../src/tokens/keys.js';

function capturingLogger(): { log: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { log: pino(loggerOptions('debug', 'test'), stream), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const tempDirs: string[] = [];
/** A folder of this file's own, removed after its tests. */
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'expensio-mail-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('development mailbox', () => {
  it('writes each mail as an .eml file and logs where, never what', async () => {
    const dir = tempDir();
    const { log, lines } = capturingLogger();
    await mailboxMailer(dir, 'Expensio <no-reply@expensio.local>', log).send(otpMail('ada@example.com', '482913', 'login', 300_000));
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0] ?? '');
    const content = readFileSync(file, 'utf8');
    expect(content).toContain('To: ada@example.com');
    expect(content).toContain('482913');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const logged = lines().join('\n');
    expect(logged).toContain(file);
    expect(logged).not.toContain('482913');
  });
});

describe('SMTP', () => {
  const received: string[] = [];
  let server: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        let data = '';
        stream.on('data', (chunk: Buffer) => {
          data += chunk.toString();
        });
        stream.on('end', () => {
          received.push(data);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it('delivers through SMTP_URL to a real SMTP server', async () => {
    await smtpMailer(`smtp://127.0.0.1:${port}`, 'Expensio <no-reply@expensio.local>').send(otpMail('grace@example.com', '135790', 'password_reset', 300_000));
    expect(received).toHaveLength(1);
    expect(received[0]).toContain('grace@example.com');
    expect(received[0]).toContain('135790');
    expect(received[0]).toMatch(/Subject: Your Expensio password reset code/);
  });
});

describe('mail queue', () => {
  it('retries a failing transport, then logs an error instead of dropping silently', async () => {
    let attempts = 0;
    const failing: Mailer = {
      description: 'failing',
      send: () => {
        attempts += 1;
        return Promise.reject(new Error('SMTP down'));
      },
    };
    const { log, lines } = capturingLogger();
    const queue = new MailQueue(failing, log, [1, 1]);
    queue.enqueue({ to: 'x@example.com', subject: 's', text: 't' }, 'otp-login');
    await queue.drain();
    expect(attempts).toBe(3);
    const errors = lines()
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 50);
    expect(errors).toEqual([expect.objectContaining({ msg: 'mail could not be delivered' })]);
  });

  it('a transport that recovers delivers on a retry', async () => {
    const sent: string[] = [];
    let attempts = 0;
    const flaky: Mailer = {
      description: 'flaky',
      send: (m) => {
        attempts += 1;
        if (attempts < 2) return Promise.reject(new Error('busy'));
        sent.push(m.to);
        return Promise.resolve();
      },
    };
    const queue = new MailQueue(flaky, capturingLogger().log, [1]);
    queue.enqueue({ to: 'y@example.com', subject: 's', text: 't' }, 'otp-login');
    await queue.drain();
    expect(sent).toEqual(['y@example.com']);
  });
});

describe('identity configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const config = loadIdentityConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      ACCESS_TOKEN_TTL: 900_000,
      OTP_REQUEST_LIMIT: 3,
      OTP_REQUEST_WINDOW: 900_000,
      OTP_LOCKOUT: 900_000,
      OTP_TTL: 300_000,
      OTP_MAX_ATTEMPTS: 5,
    });
  });

  it('refuses to start in production without SMTP_URL, naming the variable', () => {
    expect(() => loadIdentityConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadIdentityConfig({ NODE_ENV: 'production' })).toThrow(/SMTP_URL/);
    expect(() => loadIdentityConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25' })).not.toThrow();
  });

  it('requires a shared signing key in production with PostgreSQL', () => {
    expect(() => loadIdentityConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail:25', DATABASE_URL: 'postgres://db/expensio' })).toThrow(/JWT_PRIVATE_KEY/);
  });

  it('reports every bad variable at once', () => {
    try {
      loadIdentityConfig({ PORT: 'eighty', OTP_TTL: 'soon', ARGON2_MEMORY_KIB: '1024' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const name of ['PORT', 'OTP_TTL', 'ARGON2_MEMORY_KIB']) expect(message).toContain(name);
    }
  });
});

describe('signing keys', () => {
  it('are made once in DATA_DIR (mode 0600) and reused after a restart', async () => {
    const dataDir = tempDir();
    const first = await loadSigningKeys({ dataDir });
    const second = await loadSigningKeys({ dataDir });
    expect(second.kid).toBe(first.kid);
    const file = path.join(dataDir, 'keys', 'access-token-es256.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');
  });

  it('a configured PEM wins over the data folder', async () => {
    const dataDir = tempDir();
    const generated = await loadSigningKeys({ dataDir });
    const pem = readFileSync(path.join(dataDir, 'keys', 'access-token-es256.pem'), 'utf8');
    const configured = await loadSigningKeys({ pem, dataDir: tempDir() });
    expect(configured.kid).toBe(generated.kid);
  });
});
