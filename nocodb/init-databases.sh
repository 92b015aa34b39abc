#!/usr/bin/env bash
# docker-compose: PostgreSQL's first start (an empty data folder) runs this from
# docker-entrypoint-initdb.d as the superuser (POSTGRES_USER, through the socket). One LOGIN
# role per component, each owning its database, which nobody else may CONNECT to; the
# reader may only CONNECT to the service's (the service grants it SELECT on the staff views).
# The embedded stack does the same (service/stack/roles.ts). Passwords come from the
# environment, into psql variables (never through the shell into SQL text). Changing one in
# .env later changes nothing here: use ALTER ROLE ... PASSWORD as well.
set -euo pipefail

for var in POSTGRES_SERVICE_PASSWORD POSTGRES_READER_PASSWORD POSTGRES_NOCODB_PASSWORD POSTGRES_KRATOS_PASSWORD POSTGRES_KETO_PASSWORD; do
  if [ -z "${!var:-}" ]; then
    echo "init-databases.sh: $var is not set" >&2
    exit 1
  fi
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
\getenv service_password POSTGRES_SERVICE_PASSWORD
\getenv reader_password POSTGRES_READER_PASSWORD
\getenv nocodb_password POSTGRES_NOCODB_PASSWORD
\getenv kratos_password POSTGRES_KRATOS_PASSWORD
\getenv keto_password POSTGRES_KETO_PASSWORD

create role school_service login nosuperuser nocreatedb nocreaterole noreplication password :'service_password';
create role school_reader login nosuperuser nocreatedb nocreaterole noreplication password :'reader_password';
create role school_nocodb login nosuperuser nocreatedb nocreaterole noreplication password :'nocodb_password';
create role school_kratos login nosuperuser nocreatedb nocreaterole noreplication password :'kratos_password';
create role school_keto login nosuperuser nocreatedb nocreaterole noreplication password :'keto_password';

-- school is POSTGRES_DB, created by the entrypoint as the superuser's.
alter database school owner to school_service;
create database nocodb owner school_nocodb;
create database kratos owner school_kratos;
create database keto owner school_keto;

revoke connect, temporary on database school, nocodb, kratos, keto from public;
grant connect on database school to school_service, school_reader;
grant connect on database nocodb to school_nocodb;
grant connect on database kratos to school_kratos;
grant connect on database keto to school_keto;
EOSQL

# The superuser signs in through the container's socket only (this script,
# `docker compose exec postgres psql -U school`), never over the network. pg_hba.conf takes
# the first line that matches; the server reads it when the entrypoint starts it for real.
sed -i "1i host all \"$POSTGRES_USER\" all reject" "$PGDATA/pg_hba.conf"
