drop table inbox;
drop table outbox;
