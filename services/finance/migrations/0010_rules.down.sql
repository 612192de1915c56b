drop table rules;
