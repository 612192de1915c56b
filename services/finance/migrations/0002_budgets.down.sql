drop table budget_threshold_events;
drop table budgets;
