# shellcheck shell=bash
# Sourced by .ci/run (as root, `set -euo pipefail`, Debian bookworm): install PostgreSQL from
# Debian's packages, start a cluster, create the role and database the week 8 tests use, and
# export DATABASE_URL so `make test` runs the storage tests against a real server too.
# Idempotent: safe when PostgreSQL is already installed, its cluster exists or is running.

pg_ci_setup() {
    local role=ml_roadmap db=ml_roadmap password=ml_roadmap
    if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local version
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    if ! pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" {found=1} END {exit !found}'; then
        pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
        pg_ctlcluster "$version" main start
    fi
    local port
    port=$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
    local tries=0
    until pg_isready -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        if [ "$tries" -ge 30 ]; then
            echo "postgres.sh: PostgreSQL $version did not accept connections on port $port" >&2
            return 1
        fi
        sleep 1
    done
    local psql=(runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtA)
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
        "${psql[@]}" -c "CREATE ROLE $role LOGIN PASSWORD '$password'"
    fi
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
        "${psql[@]}" -c "CREATE DATABASE $db OWNER $role"
    fi
    export DATABASE_URL="postgresql+psycopg://$role:$password@127.0.0.1:$port/$db"
    echo "PostgreSQL $version running on 127.0.0.1:$port; DATABASE_URL exported"
}

pg_ci_setup
unset -f pg_ci_setup
