alter table budgets drop column spending_version;
