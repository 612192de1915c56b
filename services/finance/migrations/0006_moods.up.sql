-- How the user felt about a transaction: at most one mood per transaction, gone with it.
create table transaction_moods (
  id uuid primary key,
  user_id uuid not null,
  transaction_id uuid not null references transactions (id) on delete cascade,
  mood text not null check (mood in ('happy', 'neutral', 'stressed', 'sad', 'bored', 'excited', 'anxious', 'regretful')),
  intensity smallint not null check (intensity between 1 and 5),
  triggers text[] not null default '{}' check (
    triggers <@ array['impulse', 'social_pressure', 'boredom', 'reward', 'stress_relief', 'celebration', 'convenience', 'fomo', 'habit']::text[]
  ),
  note text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index transaction_moods_transaction_idx on transaction_moods (transaction_id);
create index transaction_moods_user_idx on transaction_moods (user_id, created_at desc, id desc);
