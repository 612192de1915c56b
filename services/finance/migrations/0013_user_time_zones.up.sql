-- Each user's time zone as identity last announced it (user.registered / user.updated), so
-- finance counts days, weeks and months as the user does without reading identity's tables.
-- No row means UTC. changed_at is the event's moment: an older event never overwrites a newer one.
create table user_time_zones (
  user_id uuid primary key,
  time_zone text not null check (char_length(time_zone) between 1 and 64),
  changed_at timestamptz not null
);
