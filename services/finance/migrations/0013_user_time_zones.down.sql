drop table user_time_zones;
