import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { newId, type Logger } from '@expensio/common';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly description: string;
  send(message: MailMessage): Promise<void>;
}

export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    description: `SMTP ${new URL(url).host}`,
    send: async (message) => {
      await transport.sendMail({ from, ...message });
    },
  };
}

/** Development without SMTP: each mail becomes an .eml file you can open; nothing is dropped. */
export function mailboxMailer(dir: string, from: string, log: Logger): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `mailbox folder ${dir}`,
    send: async (message) => {
      const info = await transport.sendMail({ from, ...message });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${new Date().toISOString().replaceAll(':', '-')}-${newId()}.eml`);
      writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      // Where, never what: the file holds a sign-in code.
      log.info({ file }, 'mail written to the development mailbox');
    },
  };
}

/** Keeps mail in memory; tests read the codes from it. */
export class MemoryMailer implements Mailer {
  readonly description = 'memory';
  readonly sent: MailMessage[] = [];

  send(message: MailMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }

  lastTo(to: string): MailMessage | undefined {
    return this.sent.filter((m) => m.to === to).at(-1);
  }
}
