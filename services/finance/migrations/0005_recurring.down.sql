drop index transactions_occurrence_idx;
alter table transactions
  drop column occurrence_date,
  drop column recurring_rule_id;
drop table recurring_pauses;
drop table recurring_rules;
