import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 12;
/** Long passphrases are welcome; the cap only stops a megabyte "password" from costing CPU. */
export const PASSWORD_MAX_LENGTH = 256;

const COMMON = new Set(dictionary.passwords.map((p) => p.toLowerCase()));
const CONTEXT_WORDS = ['expensio'];

/** NFKC so the same password typed on two keyboards hashes the same (NIST SP 800-63B 5.1.1.2). */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

function isSequence(chars: number[]): boolean {
  if (chars.length < 2) return false;
  const step = (chars[1] ?? 0) - (chars[0] ?? 0);
  if (Math.abs(step) !== 1) return false;
  return chars.every((c, i) => i === 0 || c - (chars[i - 1] ?? 0) === step);
}

/**
 * Why a password is refused, or null when it is acceptable. No composition rules: length and
 * "not something attackers try first" are what make a password strong.
 */
export function passwordProblem(password: string, context: { email: string; name?: string | null }): string | null {
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is a commonly used password';
  // A common word dressed with digits or symbols ("password2024!") is the first thing tried.
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (core.length > 0 && COMMON.has(core)) return 'is a common password with digits or symbols added';
  if (new Set(lower).size < 4) return 'repeats too few different characters';
  if (isSequence(Array.from(lower, (c) => c.codePointAt(0) ?? 0))) return 'is a simple sequence of characters';
  const email = context.email.toLowerCase();
  const local = email.split('@')[0] ?? '';
  if (lower.includes(email) || (local.length >= 3 && lower.includes(local))) return 'must not contain your email address';
  const name = context.name?.toLowerCase().trim();
  if (name !== undefined && name.length >= 4 && lower.includes(name)) return 'must not contain your name';
  if (CONTEXT_WORDS.some((w) => core === w)) return 'must not be the name of this service';
  return null;
}
