# shellcheck shell=bash
# Sourced by .ci/run (as root, `set -euo pipefail`, Debian bookworm): install MariaDB from
# Debian's mariadb-server, start it, create the user and database the MySQL tests use, and
# export MYSQL_URL so `make test` runs week 18's SQL, migration and service tests on it too.
# The user may create and drop the databases named ml_roadmap*: each test gets one of its own.
# Idempotent: safe when MariaDB is already installed, its data folder exists or it is running.

mariadb_ci_setup() {
    local user=ml_roadmap db=ml_roadmap password=ml_roadmap port=3306
    if ! command -v mariadbd >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
    fi
    if [ ! -d /var/lib/mysql/mysql ]; then
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    fi
    if ! mariadb-admin --protocol=socket ping >/dev/null 2>&1; then
        /etc/init.d/mariadb start >/dev/null
    fi
    local tries=0
    until mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$port" ping >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 30 ]; then
            echo "mariadb.sh: MariaDB did not accept connections on 127.0.0.1:$port" >&2
            return 1
        fi
        sleep 1
    done
    # root logs in through the unix socket (Debian's default); the tests use a password over TCP.
    mariadb --protocol=socket -u root <<SQL
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4;
GRANT ALL PRIVILEGES ON \`ml\\_roadmap%\`.* TO '$user'@'127.0.0.1', '$user'@'localhost';
SQL
    export MYSQL_URL="mysql+pymysql://$user:$password@127.0.0.1:$port/$db"
    local version
    version=$(mariadb --protocol=socket -u root -N -e "SELECT VERSION()")
    echo "MariaDB $version running on 127.0.0.1:$port; MYSQL_URL exported"
}

mariadb_ci_setup
unset -f mariadb_ci_setup
