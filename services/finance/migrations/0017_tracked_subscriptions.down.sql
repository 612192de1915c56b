drop index recurring_rules_subscription_idx;
alter table recurring_rules drop column subscription_key;
