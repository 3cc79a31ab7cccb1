#!/bin/bash
# One-shot job of docker-compose.yml (service temporal-admin-tools, image temporalio/admin-tools), run on every
# `docker compose up` BEFORE the Temporal server starts: creates the three databases if missing, then brings
# Temporal's two schemas to the version shipped in the image. Idempotent: an existing schema is only updated.
#
#   temporal             Temporal's persistence (histories, timers, task queues)
#   temporal_visibility  Temporal's SQL visibility store (search attributes: the clerk queue)
#   madoguchi            the back office (staff, API tokens, certificates) and the resident registry
set -euo pipefail

: "${PGHOST:?PGHOST is required}" "${PGUSER:?PGUSER is required}" "${PGPASSWORD:?PGPASSWORD is required}"
export PGPORT="${PGPORT:-5432}"
export SQL_PASSWORD="$PGPASSWORD" # temporal-sql-tool reads the password from SQL_PASSWORD (not on the command line)
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

until pg_isready --quiet --dbname postgres; do
    echo "waiting for PostgreSQL at ${PGHOST}:${PGPORT}"
    sleep 1
done

for db in temporal temporal_visibility madoguchi; do
    if [ "$(psql --dbname postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${db}'")" != "1" ]; then
        echo "creating database ${db}"
        psql --dbname postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"${db}\""
    fi
done

sql_tool() {
    temporal-sql-tool --plugin postgres12 --ep "$PGHOST" --port "$PGPORT" --user "$PGUSER" "$@"
}

schema() {
    local db=$1 dir=$2
    # setup-schema only on an empty database (it writes the version table); update-schema applies what is newer.
    if [ "$(psql --dbname "$db" -tAc "SELECT to_regclass('public.schema_version') IS NOT NULL")" != "t" ]; then
        sql_tool --db "$db" setup-schema -v 0.0
    fi
    sql_tool --db "$db" update-schema -d "$dir"
}

schema temporal "${SCHEMA_ROOT}/temporal/versioned"
schema temporal_visibility "${SCHEMA_ROOT}/visibility/versioned"
echo "databases and Temporal schemas are ready"
