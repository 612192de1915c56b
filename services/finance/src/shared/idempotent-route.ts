import { Readable } from 'node:stream';
import { AppError, requireUser } from '@expensio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FinanceContext } from '../context.js';
import {
  claimOrReplay,
  releaseKey,
  requestHash,
  storeResponse,
  validKey,
  type Answer,
  type Claim,
  type IdempotentOperation,
  type StoredResponse,
} from './idempotency.js';

/** What the hooks learned about one request that carries an Idempotency-Key. */
interface KeyedRequest {
  body: Buffer;
  claim?: Claim;
  replay?: StoredResponse;
  answered: boolean;
}

const keyed = new WeakMap<FastifyRequest, KeyedRequest>();

class PayloadTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(413, 'payload_too_large', 'Content Too Large', { detail: `The request body is larger than ${maxBytes} bytes` });
  }
}

async function readAll(payload: AsyncIterable<Buffer | string>, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

export interface IdempotencyOptions {
  /** The most a body may hold; the whole body is read before the key is claimed. Default: the route's bodyLimit. */
  maxBytes?: (request: FastifyRequest) => number;
  tooLarge?: (maxBytes: number) => Error;
}

/**
 * Route hooks that give a POST the `Idempotency-Key` contract, the same on every route that moves
 * money: the key is claimed (or its first answer replayed) before the body is parsed, validated
 * or looked up, so the same key with another body is always 422, whatever that body holds; the
 * same key and body within IDEMPOTENCY_TTL replays the first answer with `Idempotent-Replayed:
 * true`; a duplicate arriving while the first runs is 409; a request that fails frees its key.
 * The handler stores its answer through `answerFor(request)` inside the transaction of its work.
 */
export function idempotency(ctx: FinanceContext, scope: IdempotentOperation, options: IdempotencyOptions = {}) {
  const maxBytes = options.maxBytes ?? ((request: FastifyRequest) => request.routeOptions.bodyLimit);
  const tooLarge = options.tooLarge ?? ((limit: number) => new PayloadTooLargeError(limit));
  return {
    preParsing: async (request: FastifyRequest, _reply: FastifyReply, payload: Readable) => {
      const key = validKey(request.headers['idempotency-key']);
      if (key === undefined) return payload;
      // The hash is over the bytes as sent: so it exists before any parsing can refuse them.
      const limit = maxBytes(request);
      const body = await readAll(payload, limit, () => tooLarge(limit));
      const claim: Claim = { userId: requireUser(request).id, scope, key };
      const now = ctx.clock.now();
      const replay = await claimOrReplay(ctx.db, { ...claim, hash: requestHash(request.url, body), now, ttlMs: ctx.config.IDEMPOTENCY_TTL });
      keyed.set(request, replay === undefined ? { body, claim, answered: false } : { body, replay, answered: false });
      return Readable.from([body]);
    },
    // Answered here, not in preParsing: a hook can only end the request from this stage on.
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      const replay = keyed.get(request)?.replay;
      if (replay === undefined) return;
      await reply.header('idempotent-replayed', 'true').status(replay.status).send(replay.body);
      return reply;
    },
    onSend: async (request: FastifyRequest, reply: FastifyReply) => {
      const state = keyed.get(request);
      if (state?.claim === undefined || (state.answered && reply.statusCode < 400)) return;
      await releaseKey(ctx.db, state.claim);
    },
  };
}

/**
 * Stores this request's answer inside the transaction of its work (when it carries a key): call it
 * from that transaction, last. Undefined for a request without a key.
 */
export function answerFor<R>(request: FastifyRequest, respond: (result: R) => StoredResponse): Answer<R> | undefined {
  const state = keyed.get(request);
  const claim = state?.claim;
  if (state === undefined || claim === undefined) return undefined;
  return async (trx, result) => {
    await storeResponse(trx, claim, respond(result));
    state.answered = true;
  };
}

/** The key this request holds, for a writer that stores the answer in a statement of its own. */
export function claimOf(request: FastifyRequest): { claim: Claim; answered: () => void } | undefined {
  const state = keyed.get(request);
  const claim = state?.claim;
  if (state === undefined || claim === undefined) return undefined;
  return { claim, answered: () => (state.answered = true) };
}

/** The body as the idempotency hooks read it (for a parser that reads the raw request itself). */
export function bufferedBody(request: FastifyRequest): Buffer | undefined {
  return keyed.get(request)?.body;
}
