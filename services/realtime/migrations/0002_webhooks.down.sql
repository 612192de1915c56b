drop table webhook_deliveries;
drop table webhook_endpoints;
