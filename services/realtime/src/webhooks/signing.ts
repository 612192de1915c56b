import { createHmac } from 'node:crypto';

/** The header a receiver verifies: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'Expensio-Signature';

/** How old a signature's `t` receivers should accept (README: replay window). */
export const REPLAY_WINDOW_SECONDS = 300;

/**
 * Signs one attempt. The timestamp is part of the signed text, so a captured request cannot be
 * replayed once it falls out of the receiver's window; each retry is signed afresh.
 */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret)
    .update(`${String(timestamp)}.${body}`)
    .digest('hex');
  return `t=${String(timestamp)},v1=${digest}`;
}
