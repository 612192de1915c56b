drop table transaction_moods;
