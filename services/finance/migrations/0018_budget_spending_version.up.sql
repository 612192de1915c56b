-- Bumped by every write that locks a budget to check its thresholds. A create that reads its
-- budgets' spending in the same statement as its write (ADR 0026) compares the version it saw
-- with the one it bumped: a difference means another write committed in between, unseen.
alter table budgets add column spending_version bigint not null default 0;
