import { Readable } from 'node:stream';
import { AppError, requireUser } from '@expensio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FinanceContext } from '../context.js';
import {
  claimOrReplay,
  releaseKey,
  replayIfHeld,
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
  /** The key this request holds: taken by its claim. */
  claim?: Claim;
  replay?: StoredResponse;
  answered: boolean;
  /** The key sent, for a route whose work claims it (claimedBy 'work'); with the request's hash and time. */
  sent?: KeyTicket;
  /** Whether the work's claim has spoken (taken the key, or found it held). */
  settled: boolean;
}

/**
 * The key a request sent, for a route whose work claims it in its first statement (see
 * claimedBy): the work reports whether it took the key.
 */
export interface KeyTicket {
  claim: Claim;
  hash: string;
  now: Date;
  ttlMs: number;
  /** The work's statement took the key: from now on a failure frees it, a success is answered. */
  taken: () => void;
  /** The work's statement found the key held (replayed, 422 or 409): nothing more to look up. */
  held: () => void;
  /** The work stored its answer with the key. */
  answered: () => void;
}

/** The first answer again, marked as a replay. */
export async function sendReplay(reply: FastifyReply, replay: StoredResponse) {
  await reply.header('idempotent-replayed', 'true').status(replay.status).send(replay.body);
  return reply;
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
  /**
   * Who claims the key. 'hooks' (the default): before the body is parsed. 'work': the handler's
   * work, in its first statement (the create folds it into the read of its context, saving a round
   * trip); a request refused before that (a body that does not validate, a category not found)
   * looks the key up instead, so the same key with another body is still 422 whatever it holds.
   */
  claimedBy?: 'hooks' | 'work';
  /** The most a body may hold; the whole body is read before the key is claimed. Default: the route's bodyLimit. */
  maxBytes?: (request: FastifyRequest) => number;
  tooLarge?: (maxBytes: number) => Error;
}

/**
 * Route hooks that give a POST the `Idempotency-Key` contract, the same on every route that moves
 * money: the key is claimed (or its first answer replayed) before the body is looked up, and a
 * request refused before its claim still answers as its key says, so the same key with another
 * body is always 422, whatever that body holds; the same key and body within IDEMPOTENCY_TTL
 * replays the first answer with `Idempotent-Replayed: true`; a duplicate arriving while the first
 * runs is 409; a request that fails frees its key. The handler stores its answer through
 * `answerFor(request)` inside the transaction of its work (or `keyTicket` with claimedBy 'work').
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
      const hash = requestHash(request.url, body);
      const now = ctx.clock.now();
      const ttlMs = ctx.config.IDEMPOTENCY_TTL;
      if (options.claimedBy === 'work') {
        const state: KeyedRequest = { body, answered: false, settled: false };
        state.sent = {
          claim,
          hash,
          now,
          ttlMs,
          taken: () => {
            state.claim = claim;
            state.settled = true;
          },
          held: () => (state.settled = true),
          answered: () => (state.answered = true),
        };
        keyed.set(request, state);
      } else {
        const replay = await claimOrReplay(ctx.db, { ...claim, hash, now, ttlMs });
        keyed.set(request, replay === undefined ? { body, claim, answered: false, settled: true } : { body, replay, answered: false, settled: true });
      }
      return Readable.from([body]);
    },
    // Answered here, not in preParsing: a hook can only end the request from this stage on.
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      const replay = keyed.get(request)?.replay;
      if (replay === undefined) return;
      return sendReplay(reply, replay);
    },
    // A request refused before its work claimed the key: the key, if held, decides the answer.
    errorHandler: async (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const state = keyed.get(request);
      const sent = state?.sent;
      if (state === undefined || sent === undefined || state.settled) throw error;
      state.settled = true;
      const replay = await replayIfHeld(ctx.db, { ...sent.claim, hash: sent.hash, now: sent.now, ttlMs: sent.ttlMs });
      if (replay === undefined) throw error;
      return sendReplay(reply, replay);
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

/** The key this request sent, for a work that claims it itself (claimedBy 'work'); undefined without one. */
export function keyTicket(request: FastifyRequest): KeyTicket | undefined {
  return keyed.get(request)?.sent;
}

/** The body as the idempotency hooks read it (for a parser that reads the raw request itself). */
export function bufferedBody(request: FastifyRequest): Buffer | undefined {
  return keyed.get(request)?.body;
}
