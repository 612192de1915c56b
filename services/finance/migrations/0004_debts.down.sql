drop table debt_payments;
drop table debts;
