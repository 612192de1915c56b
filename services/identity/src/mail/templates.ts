import type { CodePurpose } from '../otp/purposes.js';
import type { MailMessage } from './mailer.js';

const minutes = (ms: number) => Math.round(ms / 60_000);

const OTP_USES: Record<CodePurpose, { what: string; subject: string }> = {
  login: { what: 'sign in to Expensio', subject: 'Your Expensio sign-in code' },
  password_reset: { what: 'reset your Expensio password', subject: 'Your Expensio password reset code' },
  account_deletion: { what: 'confirm deleting your Expensio account and all its data', subject: 'Your Expensio account deletion code' },
  step_up: {
    what: 'finish signing in to Expensio (your password was right, and we ask for this step to be sure it is you)',
    subject: 'Your Expensio sign-in confirmation code',
  },
};

export function otpMail(to: string, code: string, purpose: CodePurpose, ttlMs: number): MailMessage {
  const use = OTP_USES[purpose];
  return {
    to,
    subject: `${use.subject}: ${code}`,
    text: [
      `Use this code to ${use.what}:`,
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

/** Sent once per hold: the way in that still works, without saying which password was tried. */
export function accountHeldMail(to: string, params: { holdMs: number; publicUrl: string | undefined }): MailMessage {
  const signIn = params.publicUrl === undefined ? 'ask the app for a sign-in code' : `open ${params.publicUrl} and ask for a sign-in code`;
  return {
    to,
    subject: 'Expensio: password sign-in paused after many wrong passwords',
    text: [
      'Many wrong passwords were tried on your Expensio account from several places,',
      `so signing in with a password is paused for the next ${String(Math.max(1, minutes(params.holdMs)))} minutes.`,
      '',
      `You can still sign in with a code sent to this address: ${signIn}`,
      '(POST /api/auth/otp/request, then POST /api/auth/otp/verify). Signing in that way ends the pause.',
      'If the attempts were not yours, someone may be guessing your password; choose a long, unique one.',
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

export function accountDeletedMail(to: string, reason: 'user_request' | 'admin'): MailMessage {
  return {
    to,
    subject: 'Expensio: your account was deleted',
    text: [
      reason === 'user_request' ? 'Your Expensio account was deleted at your request.' : 'Your Expensio account was deleted by an administrator.',
      'Your sign-in details, sessions and financial data are being removed from every Expensio service,',
      'and every device that was signed in has been signed out.',
    ].join('\n'),
  };
}

/** An alert the user's settings send by mail: its message, and what to do if it was not them. */
export function securityAlertMail(to: string, message: string): MailMessage {
  return {
    to,
    subject: 'Expensio security alert',
    text: [
      message,
      '',
      'You can see every sign-in, device and place on your account under Security in the app',
      '(GET /api/security/summary), and choose which alerts reach you (PUT /api/security/settings).',
    ].join('\n'),
  };
}

/** A charge the fraud score flagged: what it was, why, and what to do about it. */
export function transactionFlaggedMail(
  to: string,
  flag: { amount: string; currency: string; merchant: string | null; occurredAt: string; score: number; reasons: { message: string }[]; transactionId: string },
): MailMessage {
  const what = `${flag.amount} ${flag.currency}${flag.merchant === null ? '' : ` at ${flag.merchant}`}`;
  return {
    to,
    subject: `Expensio: was this you? ${what}`,
    text: [
      `A transaction of ${what} on ${flag.occurredAt.slice(0, 16).replace('T', ' ')} UTC looks unlike your usual spending (risk ${flag.score}/100):`,
      '',
      ...flag.reasons.map((r) => `  - ${r.message}`),
      '',
      'If it was you, mark it legitimate and similar ones will not be flagged again:',
      `PATCH /api/transactions/${flag.transactionId}/review with {"decision": "legitimate"}.`,
      'If it was not, tell your bank or card issuer now, and mark it as fraud.',
    ].join('\n'),
  };
}
