/**
 * For the bench servers (not a test): counts the statements this process sends to PostgreSQL and
 * answers bench/run.ts's `count` message with the total, so the run can say how many statements a
 * request costs (BEGIN and COMMIT included: each is a round trip).
 */
import pg from 'pg';

let statements = 0;
// Every pool's query, Kysely's included, ends in Client.query.
const send = Object.getOwnPropertyDescriptor(pg.Client.prototype, 'query')?.value as ((this: pg.Client, ...args: unknown[]) => unknown) | undefined;
if (send === undefined) throw new Error('pg.Client has no query method to count');
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  return send.apply(this, args);
} as typeof pg.Client.prototype.query;

process.on('message', (message) => {
  if (message === 'count') process.send?.({ statements });
});
