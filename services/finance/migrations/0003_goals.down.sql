drop table goal_events;
drop table goal_contributions;
drop table goals;
