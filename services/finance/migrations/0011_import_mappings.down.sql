drop table import_mappings;
