drop table personal_access_tokens;
