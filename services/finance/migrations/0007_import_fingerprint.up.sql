-- Imported rows carry a fingerprint of (account, occurred date, amount, type, description); the
-- unique index lets a batch insert skip duplicates with `on conflict do nothing`, against earlier
-- imports and against earlier rows of the same file. Transactions made any other way leave it
-- null, and nulls never collide.
-- An md5 in hex compared byte for byte: the C collation spares the index locale-aware comparisons.
alter table transactions add column import_fingerprint text collate "C";
create unique index transactions_import_fingerprint_idx on transactions (import_fingerprint);
