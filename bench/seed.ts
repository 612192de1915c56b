/**
 * Seeds the benchmark database (not a test): thousands of users, each with a default account,
 * and 1,000,000 transactions over the last two years, written by PostgreSQL itself
 * (generate_series), never through HTTP.
 *
 *   node --import tsx bench/seed.ts [--users 5000] [--transactions 1000000] [--heavy 100000]
 *
 * User 1 is the heavy user whose deep pages bench/run.ts reads: `--heavy` of the transactions are
 * theirs, the rest spread evenly over the others. bench.users maps a user number to its ids, for
 * pgbench scripts and token minting. The database (BENCH_DB, default expensio_bench) is dropped
 * and rebuilt with the repository's migrations.
 */
import pg from 'pg';
import { BUDGETED, databaseUrl, migrateUrl, recreateDatabase } from './lib.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const USERS = Number(args.get('users') ?? 5_000);
const TRANSACTIONS = Number(args.get('transactions') ?? 1_000_000);
const HEAVY = Number(args.get('heavy') ?? 100_000);
const CHUNK = 100_000;
export const BENCH_DB = process.env.BENCH_DB ?? 'expensio_bench';

async function main() {
  if (USERS < 2 || HEAVY >= TRANSACTIONS) throw new Error('need at least 2 users and fewer heavy rows than transactions');
  const started = performance.now();
  const step = (label: string) => {
    console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  ${label}`);
  };
  await recreateDatabase(BENCH_DB);
  await migrateUrl(databaseUrl(BENCH_DB));
  step(`created and migrated ${BENCH_DB}`);

  const client = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await client.connect();
  try {
    // A lost seed is rerun from scratch, so its commits need not wait for the disk.
    await client.query('set synchronous_commit = off');
    await client.query('create schema bench');
    await client.query('create table bench.users (n integer primary key, user_id uuid not null, account_id uuid not null)');
    await client.query('insert into bench.users select n, gen_random_uuid(), gen_random_uuid() from generate_series(1, $1::int) n', [USERS]);
    await client.query(`
      insert into finance.accounts (id, user_id, name, type, currency, opening_balance, is_default, created_at, updated_at)
      select account_id, user_id, 'Main account', 'checking', 'USD', 0, true, now() - interval '2 years', now() - interval '2 years'
      from bench.users`);
    step(`${USERS} users, one default USD account each`);

    // Row i belongs to user 1 when i < HEAVY, else to one of the others in turn. One in ten is
    // income; amounts, categories, merchants and tags vary; times spread over 730 days.
    for (let from = 0; from < TRANSACTIONS; from += CHUNK) {
      const to = Math.min(from + CHUNK, TRANSACTIONS) - 1;
      await client.query(
        `
        with cats as (
          select array_agg(id order by slug) filter (where kind = 'expense') as expense,
                 array_agg(id order by slug) filter (where kind = 'income') as income
          from finance.categories where user_id is null
        ),
        g as (
          -- Milliseconds, like every time the API writes (and its cursors carry).
          select i, random() < 0.1 as income, date_trunc('milliseconds', now() - random() * interval '730 days') as at
          from generate_series($1::int, $2::int) i
        )
        insert into finance.transactions
          (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
        select gen_random_uuid(), u.user_id, u.account_id,
               case when g.income then 'income' else 'expense' end,
               case when g.income then 50000 + floor(random() * 500000)::bigint else 100 + floor(random() * 20000)::bigint end,
               'USD',
               case when g.income then cats.income[1 + floor(random() * cardinality(cats.income))::int]
                    when random() < 0.9 then cats.expense[1 + floor(random() * cardinality(cats.expense))::int] end,
               'Seeded transaction ' || g.i,
               (array['Corner Shop', 'Fresh Market', 'City Transit', 'Cinema Palace', 'Online Store', 'Pharmacy', null])[1 + floor(random() * 7)::int],
               g.at,
               case when random() < 0.2 then array['seed'] else '{}'::text[] end,
               null, g.at, g.at
        from g
        cross join cats
        join bench.users u on u.n = case when g.i < $3::int then 1 else 2 + (g.i - $3::int) % ($4::int - 1) end`,
        [from, to, HEAVY, USERS],
      );
      step(`transactions ${from + 1}..${to + 1}`);
    }
    // Users 2..21 (BUDGETED) each have a monthly budget over all their spending, as the product's
    // core users do: their creates take the threshold check, and bench/run.ts measures them apart.
    await client.query(
      `insert into finance.budgets (id, user_id, name, amount, currency, period, category_id, start_date, rollover, rollover_cap, created_at, updated_at)
       select gen_random_uuid(), user_id, 'Everything', 1000000000, 'USD', 'monthly', null, date_trunc('month', now() - interval '1 year')::date, 'none', null, now(), now()
       from bench.users where n between 2 and $1::int + 1`,
      [BUDGETED],
    );
    step(`${BUDGETED} users with a monthly budget over all spending`);
    // Vacuumed as a table that has lived a while is: index-only scans find its pages all-visible.
    await client.query('vacuum (analyze)');
    const { rows } = await client.query<{ count: string; heavy: string; size: string }>(`
      select (select count(*) from finance.transactions) as count,
             (select count(*) from finance.transactions t join bench.users u on u.user_id = t.user_id where u.n = 1) as heavy,
             pg_size_pretty(pg_database_size(current_database())) as size`);
    step(`analyzed: ${rows[0]?.count} transactions, ${rows[0]?.heavy} of them the heavy user's; database ${rows[0]?.size}`);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
