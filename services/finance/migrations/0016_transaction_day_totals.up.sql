-- Each user's ledger summed per local day (ADR 0024), so analytics over a year or two of days reads
-- one row per day instead of every transaction. One row per user, local day (the user's zone in
-- user_time_zones, UTC without a row), account, currency, type and whether a recurring rule posted
-- it; categories are left out, which keeps a busy user's year to a few hundred rows. Triggers on
-- transactions keep it inside the writing transaction: every write path (API, import, recurring,
-- transfers, edits, deletes, erasure, restore) passes through them.
create table transaction_day_totals (
  user_id uuid not null,
  day date not null,
  account_id uuid not null,
  currency char(3) not null,
  type text not null,
  recurring boolean not null,
  amount bigint not null,
  count integer not null,
  primary key (user_id, day, account_id, currency, type, recurring)
);
-- Groups whose last transaction went, removed at once: an erased user leaves nothing here.
create index transaction_day_totals_empty_idx on transaction_day_totals (user_id) where count = 0;

-- The ranges read row by row (a month's categories, merchants and hours; a category's forecast)
-- find what they sum in the index itself: the user-and-time index, widened, instead of a second one.
drop index transactions_user_time_idx;
create index transactions_user_time_idx on transactions (user_id, occurred_at desc, id desc)
  include (type, currency, amount, category_id, recurring_rule_id, merchant);

-- Cash flow counts a transfer leg only when its other leg is outside the accounts asked about, so
-- it reads transfer legs themselves: few, and found without touching the other rows.
create index transactions_transfer_time_idx on transactions (user_id, occurred_at) where transfer_id is not null;

-- Statement-level with transition tables: an import of 10,000 rows is one grouped upsert, not
-- 10,000. A transition table exists only for the events that make it, hence one branch each.
-- The zone is read at write time; a change of zone rebuilds the user's rows (below).
create function transaction_day_totals_apply() returns trigger language plpgsql set search_path from current as $$
begin
  if tg_op = 'INSERT' then
    insert into transaction_day_totals as d (user_id, day, account_id, currency, type, recurring, amount, count)
    select n.user_id, (n.occurred_at at time zone coalesce(z.time_zone, 'UTC'))::date, n.account_id, n.currency, n.type,
      n.recurring_rule_id is not null, sum(n.amount), count(*)
    from new_rows n
    left join user_time_zones z on z.user_id = n.user_id
    group by 1, 2, 3, 4, 5, 6
    on conflict (user_id, day, account_id, currency, type, recurring)
    do update set amount = d.amount + excluded.amount, count = d.count + excluded.count;
    return null;
  end if;
  if tg_op = 'DELETE' then
    insert into transaction_day_totals as d (user_id, day, account_id, currency, type, recurring, amount, count)
    select o.user_id, (o.occurred_at at time zone coalesce(z.time_zone, 'UTC'))::date, o.account_id, o.currency, o.type,
      o.recurring_rule_id is not null, -sum(o.amount), -count(*)
    from old_rows o
    left join user_time_zones z on z.user_id = o.user_id
    group by 1, 2, 3, 4, 5, 6
    on conflict (user_id, day, account_id, currency, type, recurring)
    do update set amount = d.amount + excluded.amount, count = d.count + excluded.count;
  else
    insert into transaction_day_totals as d (user_id, day, account_id, currency, type, recurring, amount, count)
    select r.user_id, (r.occurred_at at time zone coalesce(z.time_zone, 'UTC'))::date, r.account_id, r.currency, r.type,
      r.recurring_rule_id is not null, sum(r.sign * r.amount), sum(r.sign)
    from (
      select n.user_id, n.occurred_at, n.account_id, n.currency, n.type, n.recurring_rule_id, n.amount, 1 as sign from new_rows n
      union all
      select o.user_id, o.occurred_at, o.account_id, o.currency, o.type, o.recurring_rule_id, o.amount, -1 from old_rows o
    ) r
    left join user_time_zones z on z.user_id = r.user_id
    group by 1, 2, 3, 4, 5, 6
    -- An update that moves nothing the totals are keyed on (a review, a risk score, a description) writes nothing.
    having sum(r.sign) <> 0 or sum(r.sign * r.amount) <> 0
    on conflict (user_id, day, account_id, currency, type, recurring)
    do update set amount = d.amount + excluded.amount, count = d.count + excluded.count;
  end if;
  delete from transaction_day_totals d where d.count = 0 and d.user_id in (select distinct o.user_id from old_rows o);
  return null;
end
$$;

create trigger transactions_day_totals_insert after insert on transactions
  referencing new table as new_rows for each statement execute function transaction_day_totals_apply();
create trigger transactions_day_totals_update after update on transactions
  referencing old table as old_rows new table as new_rows for each statement execute function transaction_day_totals_apply();
create trigger transactions_day_totals_delete after delete on transactions
  referencing old table as old_rows for each statement execute function transaction_day_totals_apply();

-- A user's rows recomputed from their transactions, in the zone user_time_zones now holds. The
-- table lock waits for writes already in flight and holds new ones back until this commits, so no
-- write lands on a day counted in the old zone. Zones change seldom; the rebuild is one grouped scan.
create function transaction_day_totals_rebuild(target uuid) returns void language plpgsql set search_path from current as $$
begin
  lock table transaction_day_totals in share row exclusive mode;
  delete from transaction_day_totals where user_id = target;
  insert into transaction_day_totals (user_id, day, account_id, currency, type, recurring, amount, count)
  select t.user_id, (t.occurred_at at time zone coalesce(z.time_zone, 'UTC'))::date, t.account_id, t.currency, t.type,
    t.recurring_rule_id is not null, sum(t.amount), count(*)
  from transactions t
  left join user_time_zones z on z.user_id = t.user_id
  where t.user_id = target
  group by 1, 2, 3, 4, 5, 6;
end
$$;

create function transaction_day_totals_zone_changed() returns trigger language plpgsql set search_path from current as $$
begin
  -- No row counts in UTC: a first zone of UTC, or a UTC zone removed, moves no day.
  if coalesce(new.time_zone, 'UTC') = coalesce(old.time_zone, 'UTC') then
    return null;
  end if;
  perform transaction_day_totals_rebuild(coalesce(new.user_id, old.user_id));
  return null;
end
$$;

create trigger user_time_zones_day_totals after insert or update or delete on user_time_zones
  for each row execute function transaction_day_totals_zone_changed();

-- The rows of the transactions already recorded.
insert into transaction_day_totals (user_id, day, account_id, currency, type, recurring, amount, count)
select t.user_id, (t.occurred_at at time zone coalesce(z.time_zone, 'UTC'))::date, t.account_id, t.currency, t.type,
  t.recurring_rule_id is not null, sum(t.amount), count(*)
from transactions t
left join user_time_zones z on z.user_id = t.user_id
group by 1, 2, 3, 4, 5, 6;
