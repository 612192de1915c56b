-- The relay finds due rows through outbox_pending_idx (where published_at is null). Publishing a
-- row updates it out of that index, leaving a dead entry that only vacuum removes, and the relay's
-- bitmap scans read every dead entry again on each pass. By default autovacuum waits for 20% of the
-- table to be dead, which on an outbox that keeps its published rows for a while is many thousands
-- of entries per pass (measured: ~35,000 dead entries, 3,600 heap pages and 30 ms per pass). A
-- fixed threshold keeps the dead entries to about a thousand, whatever the table's size.
alter table outbox set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
