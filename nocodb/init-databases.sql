-- docker-compose: the databases beside the service's own (school): NocoDB's meta data,
-- Kratos and Keto. The embedded stack creates the same ones (service/main.ts).
create database nocodb;
create database kratos;
create database keto;
