import { SMTPServer } from 'smtp-server';
import { freePort } from './server-process.js';

export interface MailSink {
  url: string;
  close: () => Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 that accepts and drops every message: production refuses to start
 * without a mail server, and this one stands for compose's mailpit.
 */
export async function startMailSink(): Promise<MailSink> {
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => {
        done();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        smtp.close(resolve);
      }),
  };
}
