-- A recurring rule made by POST /api/analytics/subscriptions/:id/track remembers the subscription it
-- tracks: the payee key (lower-cased merchant, else description) in its currency. At most one rule
-- per user tracks a subscription, however many requests race: the second insert finds the first.
-- The key stays when the rule is renamed, so a renamed rule still tracks it; deleting the rule frees it.
alter table recurring_rules add column subscription_key text;
create unique index recurring_rules_subscription_idx on recurring_rules (user_id, currency, subscription_key) where subscription_key is not null;
