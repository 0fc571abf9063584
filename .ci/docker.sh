#!/usr/bin/env bash
# Build every service image and a PostgreSQL image: week 8's API (tests/week08/test_week08_image.py
# starts it with PostgreSQL on a private network) and the services built from the one parametrised
# week24_deploy/docker/Dockerfile (tests/week24/test_week24_images.py runs each with --network none, or
# beside PostgreSQL, and checks its health through a port published on 127.0.0.1).
# Run as root on Debian bookworm (`bash .ci/docker.sh`, or `make docker`). No container registry
# is reachable here, so the base image is made from Debian packages (debootstrap + docker import)
# and cached under /var/cache/ml-roadmap. Where no Docker daemon can start, this prints why and
# exits 0: the image test then skips, saying so. Once the daemon answers, any failure is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=ml-roadmap-base:bookworm
# Week 23's apps run SmolLM2 and week 20's UNet on torch: their base is Debian trixie with
# Debian's CPU-only PyTorch (python3-torch 2.6.0, python3-torchvision 0.21.0), and their virtual
# environment sees it (--system-site-packages), so pip adds only what Debian lacks. Their images
# add OpenBLAS: without it Debian's torch multiplies with the reference BLAS (libblas3), which
# made MiniLM index one README in minutes instead of seconds.
TRIXIE_IMAGE=ml-roadmap-base:trixie
TRIXIE_PACKAGES=python3,python3-venv,passwd,python3-torch,python3-torchvision
TRIXIE_SERVICES=" chat chat-ui gallery story "
API_IMAGE=${WEEK08_API_IMAGE:-ml-roadmap-api}
DB_IMAGE=${WEEK08_DB_IMAGE:-ml-roadmap-postgres}
BASE_PACKAGES=python3,python3-venv,passwd
CACHE=/var/cache/ml-roadmap
DOCKERD_LOG=/var/log/ml-roadmap-dockerd.log

step() {
    echo "docker.sh: $1 ($((SECONDS - STARTED)) s so far)"
}

skip() {
    echo "docker.sh: SKIP, no Docker daemon: $1" >&2
    echo "docker.sh: tests/week08/test_week08_image.py and tests/week24/test_week24_images.py will skip" >&2
    exit 0
}

install_tools() {
    if command -v dockerd >/dev/null && command -v debootstrap >/dev/null; then
        return
    fi
    apt-get update -qq || skip "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null \
        || skip "apt-get install docker.io debootstrap failed"
}

start_daemon() {
    if docker info >/dev/null 2>&1; then
        return
    fi
    setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
    local tries=0
    until docker info >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 60 ] || ! kill -0 $! 2>/dev/null; then
            skip "dockerd gave no answer in ${tries} s; $DOCKERD_LOG: $(tail -n 3 "$DOCKERD_LOG")"
        fi
        sleep 1
    done
}

debian_mirror() {
    # The host's own Debian source, so the base comes from where apt already reaches.
    local sources=/etc/apt/sources.list.d/debian.sources
    if [ -f "$sources" ]; then
        awk '/^URIs:/ {print $2; exit}' "$sources"
    fi
}

build_base() {
    # build_base IMAGE SUITE PACKAGES: debootstrap once into a cached tarball, import it as IMAGE.
    local image=$1 suite=$2 packages=$3
    if docker image inspect "$image" >/dev/null 2>&1; then
        return
    fi
    local tarball="$CACHE/$suite-minbase-${packages//,/-}.tar"
    if [ ! -f "$tarball" ]; then
        local root
        root=$(mktemp -d)
        # shellcheck disable=SC2046  # the mirror is one word or nothing (debootstrap's default)
        debootstrap --variant=minbase --include="$packages" "$suite" "$root" \
            $(debian_mirror) >/dev/null
        rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
        mkdir -p "$CACHE"
        tar -C "$root" -cf "$tarball.part" .
        mv "$tarball.part" "$tarball"
        rm -rf "$root"
    fi
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        "$tarball" "$image" >/dev/null
}

build_cli() {
    # A client whose build supports secrets: one with buildx, else docker.io's (built-in BuildKit).
    if docker buildx version >/dev/null 2>&1; then
        echo docker
    else
        echo /usr/bin/docker
    fi
}

# The services built from week24_deploy/docker/Dockerfile: image name, SERVICE (an app of
# shared/apps.py, whose `image` the name must be: tests/shared/test_apps.py checks), its
# requirements file and the Debian libraries its wheels load (SYSTEM_PACKAGES, comma-separated).
SERVICES=(
    "ml-roadmap-hub hub week24_deploy/docker/requirements-hub.txt"
    "ml-roadmap-loan-service loan-service week24_deploy/docker/requirements-loan-service.txt"
    "ml-roadmap-loan-approval loan-approval week24_deploy/docker/requirements-loan-approval.txt libgomp1"
    "ml-roadmap-sentiment sentiment week24_deploy/docker/requirements-sentiment.txt"
    "ml-roadmap-forecast forecast week24_deploy/docker/requirements-forecast.txt"
    "ml-roadmap-face-mask face-mask week24_deploy/docker/requirements-mask.txt"
    "ml-roadmap-chat chat week24_deploy/docker/requirements-genai.txt libopenblas0-pthread"
    "ml-roadmap-chat-ui chat-ui week24_deploy/docker/requirements-genai.txt libopenblas0-pthread"
    "ml-roadmap-gallery gallery week24_deploy/docker/requirements-genai.txt libopenblas0-pthread"
    "ml-roadmap-story story week24_deploy/docker/requirements-genai.txt libopenblas0-pthread"
)

build_image() {
    # build_image DOCKERFILE TAG LOG [--build-arg ...]: the base, CA secret and proxies passed on
    # (a later --build-arg BASE=... overrides the bookworm base).
    local dockerfile=$1 tag=$2 log=$3
    shift 3
    local args=(--build-arg "BASE=$BASE_IMAGE" -f "$dockerfile" -t "$tag" "$@")
    local ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
    if [ -f "$ca" ]; then
        args+=(--secret "id=ca_bundle,src=$ca")
    fi
    local name
    for name in PIP_INDEX_URL PIP_EXTRA_INDEX_URL http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
        if [ -n "${!name:-}" ]; then
            args+=(--build-arg "$name")
        fi
    done
    DOCKER_BUILDKIT=1 "$(build_cli)" build --progress=plain "${args[@]}" . \
        >"$CACHE/$log" 2>&1 || { tail -n 40 "$CACHE/$log" >&2; return 1; }
}

build_api() {
    build_image week08_fastapi/Dockerfile "$API_IMAGE" api-build.log
}

build_services() {
    local entry image service requirements packages
    for entry in "${SERVICES[@]}"; do
        read -r image service requirements packages <<<"$entry"
        local base=(--build-arg "BASE=$BASE_IMAGE")
        if [[ $TRIXIE_SERVICES == *" $service "* ]]; then
            base=(--build-arg "BASE=$TRIXIE_IMAGE" --build-arg VENV_OPTIONS=--system-site-packages)
        fi
        build_image week24_deploy/docker/Dockerfile "$image" "$service-build.log" \
            --build-arg "SERVICE=$service" --build-arg "REQUIREMENTS=$requirements" \
            --build-arg "SYSTEM_PACKAGES=${packages//,/ }" "${base[@]}"
        step "image $image built"
    done
}

db_dockerfile() {
    # Debian's PostgreSQL with the role and database the tests use (there is no postgres image).
    cat <<EOF
FROM $BASE_IMAGE
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql \\
    && rm -rf /var/lib/apt/lists/* \\
    && pg_conftool 15 main set listen_addresses '*' \\
    && echo 'host all all all scram-sha-256' >> /etc/postgresql/15/main/pg_hba.conf \\
    && pg_ctlcluster 15 main start \\
    && runuser -u postgres -- psql -qc "CREATE ROLE ml_roadmap LOGIN PASSWORD 'ml_roadmap'" \\
    && runuser -u postgres -- createdb -O ml_roadmap ml_roadmap \\
    && pg_ctlcluster 15 main stop
EXPOSE 5432
CMD ["pg_ctlcluster", "--foreground", "15", "main", "start"]
EOF
}

build_db() {
    db_dockerfile | DOCKER_BUILDKIT=1 "$(build_cli)" build -t "$DB_IMAGE" - \
        >"$CACHE/db-build.log" 2>&1 || { tail -n 40 "$CACHE/db-build.log" >&2; return 1; }
}

STARTED=$SECONDS
install_tools
step "tools installed"
start_daemon
step "Docker daemon answers"
mkdir -p "$CACHE"
build_base "$BASE_IMAGE" bookworm "$BASE_PACKAGES"
step "base image $BASE_IMAGE ready"
build_base "$TRIXIE_IMAGE" trixie "$TRIXIE_PACKAGES"
step "base image $TRIXIE_IMAGE ready"
build_api
step "image $API_IMAGE built"
build_db
step "image $DB_IMAGE built"
build_services
