-- A code that confirms deleting one's own account (the only proof a password-less account has).
alter table otp_challenges drop constraint otp_challenges_purpose_check;
alter table otp_challenges add constraint otp_challenges_purpose_check check (purpose in ('login', 'password_reset', 'account_deletion'));
