import type { MailMessage } from './mailer.js';

const minutes = (ms: number) => Math.round(ms / 60_000);

export function otpMail(to: string, code: string, purpose: 'login' | 'password_reset', ttlMs: number): MailMessage {
  const what = purpose === 'login' ? 'sign in to Expensio' : 'reset your Expensio password';
  return {
    to,
    subject: purpose === 'login' ? `Your Expensio sign-in code: ${code}` : `Your Expensio password reset code: ${code}`,
    text: [
      `Use this code to ${what}:`,
      '',
      `    ${code}`,
      '',
      `It works once and expires in ${minutes(ttlMs)} minutes.`,
      'If you did not ask for it, ignore this mail; nobody can use the code without your mailbox.',
    ].join('\n'),
  };
}

export function otpLockedMail(to: string, lockoutMs: number): MailMessage {
  return {
    to,
    subject: 'Expensio: too many code requests, codes paused',
    text: [
      'We received more requests for sign-in or reset codes for your account than we allow,',
      `so no new codes will be sent for the next ${minutes(lockoutMs)} minutes.`,
      '',
      'After that you can request a code again as usual. If these requests were not yours,',
      'someone may know your email address; your password still protects your account.',
    ].join('\n'),
  };
}

export function passwordChangedMail(to: string, how: 'changed' | 'reset'): MailMessage {
  return {
    to,
    subject: `Expensio: your password was ${how}`,
    text: [
      `Your Expensio password was just ${how}, and your other sessions were signed out.`,
      'If this was not you, reset your password now with a code sent to this address.',
    ].join('\n'),
  };
}
