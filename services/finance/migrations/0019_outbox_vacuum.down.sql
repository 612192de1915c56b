alter table outbox reset (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold);
