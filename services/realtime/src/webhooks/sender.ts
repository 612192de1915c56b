import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkUrlShape, guardedLookup, type HostLookup } from './url-safety.js';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  lookup: HostLookup;
}

export type SendResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** How much of a refusing receiver's answer the delivery log keeps. */
const ERROR_BODY_CHARS = 200;

function excerpt(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      if (text.length >= ERROR_BODY_CHARS) response.destroy();
    });
    response.on('close', () => {
      resolve(text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ').trim());
    });
    response.on('error', () => undefined);
  });
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
    req.on('error', (error: Error) => {
      finish({ ok: false, status: null, error: deadline.aborted ? `timed out after ${String(request.timeoutMs)} ms` : error.message.slice(0, 500) });
    });
    req.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        response.resume();
        finish({ ok: true, status });
        return;
      }
      const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
      void excerpt(response).then((text) => {
        finish({ ok: false, status, error: `HTTP ${String(status)}${redirect}${text === '' ? '' : `: ${text}`}` });
      });
    });
    req.end(request.body);
  });
}
