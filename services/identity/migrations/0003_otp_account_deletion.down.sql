delete from otp_challenges where purpose = 'account_deletion';
alter table otp_challenges drop constraint otp_challenges_purpose_check;
alter table otp_challenges add constraint otp_challenges_purpose_check check (purpose in ('login', 'password_reset'));
