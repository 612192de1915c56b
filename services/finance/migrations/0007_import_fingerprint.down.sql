drop index transactions_import_fingerprint_idx;
alter table transactions drop column import_fingerprint;
