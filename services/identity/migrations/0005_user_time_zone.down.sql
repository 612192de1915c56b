alter table users drop column time_zone;
