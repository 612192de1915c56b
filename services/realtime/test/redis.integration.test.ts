import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTokenIssuer, sampleTransactionCreated, testRedisUrl } from '@expensio/common/testing';
import { GATEWAY_CONSUMER } from '../src/index.js';
import { connect, createTestGateway, newUser, nextMessage, type TestClient, type TestGateway } from './helpers.js';

/**
 * Two gateway replicas, each with its own database and transport (so only one of them consumes a
 * given event), joined by the Socket.IO Redis adapter.
 */
describe.runIf(testRedisUrl() !== undefined)('gateway replicas over Redis', () => {
  let redis: Redis;
  let consuming: TestGateway;
  let other: TestGateway;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    redis = new Redis(testRedisUrl() ?? '', { maxRetriesPerRequest: 1 });
    // Channels of this file's own, so parallel runs do not hear each other.
    const redisChannel = `expensio-test:${randomUUID()}`;
    const tokens = await createTestTokenIssuer();
    consuming = await createTestGateway({ redis, redisChannel, tokens });
    other = await createTestGateway({ redis, redisChannel, tokens });
  });

  afterAll(async () => {
    for (const client of clients) client.socket.close();
    await consuming.close();
    await other.close();
    redis.disconnect();
  });

  it('delivers an event consumed by one replica to the user connected to the other, and to no one else', async () => {
    const owner = await newUser(consuming.tokens);
    const stranger = await newUser(consuming.tokens);
    const onOther = await connect(other.url, owner.token);
    const onConsuming = await connect(consuming.url, owner.token);
    const strangerOnOther = await connect(other.url, stranger.token);
    clients.push(onOther, onConsuming, strangerOnOther);

    const arrivedOther = nextMessage<{ id: string }>(onOther, 'transaction.created');
    const arrivedConsuming = nextMessage<{ id: string }>(onConsuming, 'transaction.created');
    await consuming.publish('transaction.created', owner.id, sampleTransactionCreated({ amount: '42.00', currency: 'USD', description: 'Groceries' }));
    const envelope = await arrivedOther;
    expect(envelope).toMatchObject({ type: 'transaction.created', userId: owner.id, payload: { amount: '42.00' } });
    expect(await arrivedConsuming).toEqual(envelope);

    const inbox = (t: TestGateway) => t.ctx.db.selectFrom('inbox').select('event_id').where('consumer', '=', GATEWAY_CONSUMER).execute();
    expect(await inbox(consuming)).toEqual([{ event_id: envelope.id }]);
    expect(await inbox(other)).toEqual([]);

    // The stranger, on the replica that did not consume, gets their own next event and nothing before it.
    const own = nextMessage(strangerOnOther, 'goal.progressed');
    await consuming.publish('goal.progressed', stranger.id, {
      goalId: randomUUID(),
      name: 'Trip',
      saved: '5.00',
      target: '50.00',
      currency: 'USD',
      percent: '10',
    });
    await own;
    expect(strangerOnOther.received.map((m) => m.name)).toEqual(['goal.progressed']);
  });

  it('disconnects a deleted user on every replica', async () => {
    const leaving = await newUser(consuming.tokens);
    const onOther = await connect(other.url, leaving.token);
    clients.push(onOther);
    const gone = new Promise((resolve) => onOther.socket.once('disconnect', resolve));
    await consuming.publish('user.deleted', leaving.id, { reason: 'admin' });
    expect(await gone).toBe('io server disconnect');
  });
});
