import { request as httpRequest, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkUrlShape, guardedLookup, UnsafeTargetError, type HostLookup } from './url-safety.js';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  lookup: HostLookup;
}

/**
 * `error` is what the owner reads in the delivery log; `cause`, for the operator's log only, is the
 * system error code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) behind a generic connection failure.
 */
export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string; cause?: string };

/** Before a response, the owner learns only that the connection failed, not how (see ADR 0008). */
const CONNECTION_FAILED = 'connection failed';

/**
 * The standard phrase of a status, never the receiver's own words or body: what an internal
 * service answers must not become readable through the delivery log.
 */
function statusText(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase === undefined ? `HTTP ${String(status)}` : `HTTP ${String(status)} ${phrase}`;
}

/**
 * POSTs one delivery. The URL is checked again here (the rules may have changed since it was
 * saved, and DNS may now answer differently), the connection goes to the address the guarded
 * lookup vetted, redirects are not followed (a 3xx is a failure) and the whole exchange is bounded
 * by the timeout. Never throws: every outcome is a result for the delivery log.
 */
export async function sendWebhook(request: WebhookRequest): Promise<SendResult> {
  let url: URL;
  try {
    url = checkUrlShape(request.url, request.allowPrivate);
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (!settled) resolve(result);
      settled = true;
    };
    const deadline = AbortSignal.timeout(request.timeoutMs);
    const req = send(url, {
      method: 'POST',
      headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
      // A fresh connection per attempt, so every one goes through the guarded lookup.
      agent: false,
      signal: deadline,
      ...(!request.allowPrivate && { lookup: guardedLookup(request.lookup) }),
    });
    let connected = false;
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Our own refusal (the name now resolves to a forbidden address): nothing was attempted.
      if (error instanceof UnsafeTargetError) {
        finish({ ok: false, status: null, error: error.message });
      } else if (deadline.aborted && connected) {
        // Once connected, a slow receiver is the owner's to know about; before that, refused,
        // unreachable and unanswered look alike so the log cannot serve as a port scanner.
        finish({ ok: false, status: null, error: `timed out after ${String(request.timeoutMs)} ms` });
      } else {
        finish({ ok: false, status: null, error: CONNECTION_FAILED, cause: deadline.aborted ? 'timeout' : (error.code ?? error.name) });
      }
    });
    req.on('response', (response) => {
      const status = response.statusCode ?? 0;
      // The body is never read: a receiver answers with its status alone.
      response.on('error', () => undefined);
      response.destroy();
      if (status >= 200 && status < 300) {
        finish({ ok: true, status });
        return;
      }
      const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      finish({ ok: false, status, error: `${statusText(status)}${redirect}` });
    });
    req.end(request.body);
  });
}
