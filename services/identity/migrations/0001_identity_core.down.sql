drop table security_events;
drop table attempt_limits;
drop table otp_challenges;
drop table revoked_tokens;
drop table refresh_tokens;
drop table sessions;
drop table users;
