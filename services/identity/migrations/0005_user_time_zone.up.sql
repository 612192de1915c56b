-- Each user's IANA time zone: the days, weeks and months their budgets and summaries count in.
-- Checked against the runtime's zone list by the API (a name PostgreSQL also knows); UTC until chosen.
alter table users add column time_zone text not null default 'UTC' check (char_length(time_zone) between 1 and 64);
