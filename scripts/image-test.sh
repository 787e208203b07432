#!/usr/bin/env bash
# Build the container image from the repository's Dockerfile and prove it works as a user would run it:
#   - starts it with a volume on /data and a non-default PUID/PGID, waits until the image's own HEALTHCHECK passes,
#     prints /health as fetched from inside the container;
#   - runs `anibridge check` inside, against loopback fakes of the sites and SkyHook (no real site is reached),
#     and requires every line to be ok;
#   - grabs a release like Sonarr (Torznab search -> qBittorrent torrents/add) and waits for the download;
#   - replaces the container by a new one on the same volume and requires the torrent to be listed again;
#   - requires the server to run as PUID/PGID (not root) and the files in /data to belong to PUID.
# Exits non-zero on the first failure; prints the image size and the time of each step.
#
# No image registry is needed: when docker.io/library/debian:bookworm-slim is not in podman's store, it is built
# with debootstrap from the Debian mirror apt uses here and imported under that name (kept for the next run). That
# local base also carries this machine's CA bundle and apt settings, because package registries may only be
# reachable through an intercepting proxy; the Dockerfile itself contains nothing specific to this machine.
#
# Environment: IMAGE (default localhost/anibridge:test), IMAGE_TEST_KEEP=1 keeps containers and volume,
# IMAGE_TEST_REBUILD_BASE=1 rebuilds the base, IMAGE_TEST_BROWSER=1 builds with WITH_BROWSER=1 and runs the app with
# BROWSER_GATE=chromium (its `anibridge check` then starts the image's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=docker.io/library/debian:bookworm-slim
IMAGE=${IMAGE:-localhost/anibridge:test}
RUN_ID=anibridge-image-test-$$
APP=$RUN_ID-app
FAKES=$RUN_ID-fakes
VOLUME=$RUN_ID-data
TEST_PUID=1234   # not the image's default 1000, so the remapping is exercised
TEST_PGID=2345
QUERY=Kaguya-sama

# crun refuses this kind of machine's hybrid cgroups, and podman's default ulimits exceed the machine's. Without
# systemd, podman cannot schedule health checks and says so on every run/rm; the test runs them itself.
PODMAN=(quiet_podman --runtime runc --cgroup-manager cgroupfs)
quiet_podman() {
    podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2)
}
LIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=1000:1000)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

started=$(date +%s.%N)
step_started=$started
step_name=""
timings=()

step() {
    local now
    now=$(date +%s.%N)
    if [ -n "$step_name" ]; then
        timings+=("$(awk -v a="$now" -v b="$step_started" -v n="$step_name" 'BEGIN { printf "%7.1f s  %s", a - b, n }')")
    fi
    step_name=$1
    step_started=$now
    [ -z "$step_name" ] || echo "== $step_name"
}

print_timings() {
    step ""
    echo "== timings"
    printf '%s\n' "${timings[@]}"
    awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%7.1f s  total\n", a - b }'
}

fail() {
    echo "image-test: FAIL: $*" >&2
    exit 1
}

cleanup() {
    local status=$?
    if [ $status -ne 0 ]; then
        for c in "$APP" "$FAKES"; do
            if "${PODMAN[@]}" container exists "$c" 2>/dev/null; then
                echo "---- last log lines of $c" >&2
                "${PODMAN[@]}" logs --tail 40 "$c" >&2 2>&1 || true
            fi
        done
    fi
    if [ "${IMAGE_TEST_KEEP:-}" != 1 ]; then
        "${PODMAN[@]}" rm -f -v -t 2 "$APP" "$FAKES" >/dev/null 2>&1 || true   # -v: the fakes' anonymous /data
        "${PODMAN[@]}" volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    fi
    [ -z "$step_name" ] || print_timings
    if [ $status -ne 0 ]; then
        echo "image-test: failed (exit $status)" >&2
    else
        echo "image-test: all checks passed"
    fi
}
trap cleanup EXIT

# --- tools ------------------------------------------------------------------------------------------------------

step "tools"
need=()
for tool in podman runc debootstrap newuidmap; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
    packages=()
    for tool in "${need[@]}"; do
        case "$tool" in newuidmap) packages+=(uidmap) ;; *) packages+=("$tool") ;; esac
    done
    echo "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
fi
podman --version

# --- base image -------------------------------------------------------------------------------------------------

# The first Debian mirror apt is configured with for bookworm itself (deb822 .sources files or one-line lists).
apt_mirror() {
    local suite=$1
    {
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -e "$f" ] || continue
            awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" } {
                types = uris = suites = ""; enabled = 1
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^[ \t]*#/) continue
                    split($i, kv, ":[ \t]*")
                    key = tolower(kv[1]); value = substr($i, length(kv[1]) + 2); sub(/^[ \t]+/, "", value)
                    if (key == "types") types = value
                    else if (key == "uris") uris = value
                    else if (key == "suites") suites = value
                    else if (key == "enabled" && tolower(value) == "no") enabled = 0
                }
                if (enabled && (" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ")) {
                    split(uris, u, /[ \t]+/); print u[1]
                }
            }' "$f"
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -e "$f" ] || continue
            awk -v suite="$suite" '$1 == "deb" {
                n = 2; if ($2 ~ /^\[/) { while (n <= NF && $n !~ /\]$/) n++; n++ }
                if ($(n + 1) == suite) print $n
            }' "$f"
        done
    } | grep -m1 -E '^https?://' || true
}

build_base() {
    local mirror security dir
    mirror=$(apt_mirror bookworm)
    mirror=${mirror:-http://deb.debian.org/debian}
    security=$(apt_mirror bookworm-security)
    security=${security:-http://deb.debian.org/debian-security}
    dir=$(mktemp -d /var/tmp/anibridge-base.XXXXXX)
    echo "debootstrap --variant=minbase bookworm from $mirror"
    $SUDO debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 \
        || { tail -20 "$dir.log" >&2; fail "debootstrap failed (log: $dir.log)"; }
    rm -f "$dir.log"

    # Like the official image: bookworm, its updates and security suites; no docs, man pages or translations.
    $SUDO rm -f "$dir/etc/apt/sources.list"
    $SUDO tee "$dir/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO tee "$dir/etc/dpkg/dpkg.cfg.d/docker" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    $SUDO tee "$dir/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF

    # This machine's way out: its CA bundle (an intercepting proxy's CA may be in it), kept by a later
    # `apt-get install ca-certificates` through /usr/local/share/ca-certificates; pip pointed at it; apt's
    # proxy and snapshot-mirror settings.
    $SUDO mkdir -p "$dir/etc/ssl/certs" "$dir/usr/local/share/ca-certificates"
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        $SUDO cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
        printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' | $SUDO tee "$dir/etc/pip.conf" >/dev/null
    fi
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        $SUDO cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
    fi
    cat /etc/apt/apt.conf /etc/apt/apt.conf.d/* 2>/dev/null \
        | grep -E '^[[:space:]]*Acquire::(([a-z]+::)?Proxy|Check-Valid-Until|Check-Date)' \
        | $SUDO tee "$dir/etc/apt/apt.conf.d/90image-test-host" >/dev/null || true

    # What debootstrap unpacked before those exclusions existed (the official slim image lacks it too).
    $SUDO find "$dir/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    $SUDO rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/* "$dir"/usr/share/groff/* \
        "$dir"/usr/share/lintian/*
    $SUDO chroot "$dir" apt-get clean
    $SUDO rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log "$dir"/tmp/*
    $SUDO tar -C "$dir" --numeric-owner -c . | "${PODMAN[@]}" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$BASE" >/dev/null
    $SUDO rm -rf "$dir"
}

if [ "${IMAGE_TEST_REBUILD_BASE:-}" = 1 ] || ! "${PODMAN[@]}" image exists "$BASE"; then
    step "base image (debootstrap, once per machine)"
    build_base
else
    step "base image (cached)"
fi
echo "$BASE: $("${PODMAN[@]}" image inspect --format '{{.Id}}' "$BASE" | cut -c1-12)"

# --- build ------------------------------------------------------------------------------------------------------

step "build $IMAGE"
previous=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
BUILD_ARGS=()
APP_ENV=()
if [ "${IMAGE_TEST_BROWSER:-}" = 1 ]; then
    BUILD_ARGS=(--build-arg WITH_BROWSER=1)
    APP_ENV=(--env BROWSER_GATE=chromium)
fi
"${PODMAN[@]}" build --pull=never --network host "${LIMITS[@]}" "${BUILD_ARGS[@]}" --format docker -t "$IMAGE" . >"/tmp/$RUN_ID-build.log" 2>&1 \
    || { tail -40 "/tmp/$RUN_ID-build.log" >&2; fail "image build failed (log: /tmp/$RUN_ID-build.log)"; }
rm -f "/tmp/$RUN_ID-build.log"
if [ -n "$previous" ] && [ "$previous" != "$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    "${PODMAN[@]}" rmi "$previous" >/dev/null 2>&1 || true   # the image this run replaced, not the layer cache
fi
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
echo "image size: $((size / 1000000)) MB ($size bytes)"
healthcheck=$("${PODMAN[@]}" image inspect --format '{{.Config.Healthcheck}}' "$IMAGE")
case "$healthcheck" in
    ""|"<nil>") fail "the image has no HEALTHCHECK (was it built with --format docker?)" ;;
esac
# shellcheck disable=SC2016  # $t is expanded by the shell inside the image
found=$("${PODMAN[@]}" run --rm "${LIMITS[@]}" --entrypoint sh "$IMAGE" -c \
    'for t in gcc cc make pip pip3 /opt/anibridge/bin/pip; do command -v "$t" || true; done') \
    || fail "could not run a shell in the image"
[ -z "$found" ] || fail "build tools in the final image: $found"

# --- fakes ------------------------------------------------------------------------------------------------------

# The fake sites, hosters and SkyHook run from the same image in a second container; both containers use the host
# network, so the fakes' loopback addresses are the app's too.
step "start loopback fakes"
"${PODMAN[@]}" run -d --name "$FAKES" --network host "${LIMITS[@]}" \
    --entrypoint /opt/anibridge/bin/python "$IMAGE" -m anibridge_fakes >/dev/null
fake_env=()
for _ in $(seq 1 240); do   # the fakes make their test media with ffmpeg first
    mapfile -t fake_env < <("${PODMAN[@]}" logs "$FAKES" 2>/dev/null | sed -n 's/^export //p')
    [ ${#fake_env[@]} -eq 0 ] || break
    sleep 0.5
done
[ ${#fake_env[@]} -gt 0 ] || fail "the fakes printed no environment"
env_args=()
for kv in "${fake_env[@]}"; do
    env_args+=(--env "$kv")
done

# --- app --------------------------------------------------------------------------------------------------------

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

start_app() {
    "${PODMAN[@]}" run -d --name "$APP" --network host "${LIMITS[@]}" \
        -v "$VOLUME:/data" --env PUID=$TEST_PUID --env PGID=$TEST_PGID \
        --env ANIBRIDGE_HOST=127.0.0.1 --env ANIBRIDGE_PORT="$PORT" "${env_args[@]}" "${APP_ENV[@]}" "$IMAGE" >/dev/null
}

# Waits until the image's own HEALTHCHECK command succeeds (podman runs it on demand).
wait_healthy() {
    for _ in $(seq 1 120); do
        if "${PODMAN[@]}" healthcheck run "$APP" >/dev/null 2>&1; then
            return 0
        fi
        [ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$APP")" = true ] || fail "the container exited"
        sleep 0.5
    done
    fail "no healthy answer within 60 s"
}

client() {
    "${PODMAN[@]}" exec -i "$APP" python3 - "$@" <scripts/image-test-client.py
}

step "start container (volume on /data, PUID=$TEST_PUID PGID=$TEST_PGID, port $PORT)"
"${PODMAN[@]}" volume create "$VOLUME" >/dev/null
start_app
wait_healthy
echo "health (from inside the container): $(client health "$PORT")"

step "anibridge check (inside the container)"
check_out=$("${PODMAN[@]}" exec "$APP" anibridge check 2>&1) || { echo "$check_out"; fail "anibridge check failed"; }
echo "$check_out"
for name in database downloads ffmpeg aniworld.to s.to megakino skyhook browser-gate; do
    grep -qE "^ok +$name " <<<"$check_out" || fail "anibridge check has no ok line for $name"
done

step "non-root"
status=$("${PODMAN[@]}" exec "$APP" cat /proc/1/status)
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$status")
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' <<<"$status")
echo "server process (pid 1): $(awk '/^Name:/ { print $2 }' <<<"$status"), uid $uids, gid $gids"
# A figure, not a check (issue 16's 80 MB at rest): the server has answered only health checks so far, and the
# image holds the runtime dependencies alone (a dev virtualenv adds e.g. httpx's command-line extras).
echo "idle RSS of the server in the image: $(awk '/^VmRSS:/ { printf "%.1f MiB", $2 / 1024 }' <<<"$status")"
[ "$uids" = "$TEST_PUID $TEST_PUID $TEST_PUID $TEST_PUID" ] || fail "the server runs as uid '$uids', not $TEST_PUID"
[ "$gids" = "$TEST_PGID $TEST_PGID $TEST_PGID $TEST_PGID" ] || fail "the server runs as gid '$gids', not $TEST_PGID"
"${PODMAN[@]}" top "$APP" user group pid args 2>/dev/null || true

step "grab like Sonarr: Torznab search '$QUERY', qBittorrent torrents/add, download"
grabbed=$(client grab "$PORT" "$QUERY") || fail "grab failed"
echo "downloaded: $grabbed"
hash=${grabbed%% *}
content_path=${grabbed#* * }
owners=$("${PODMAN[@]}" exec "$APP" stat -c '%u:%g %n' /data /data/anibridge.db /data/downloads "$content_path")
echo "$owners"
while read -r owner path; do
    [ "$owner" = "$TEST_PUID:$TEST_PGID" ] || fail "$path belongs to $owner, not $TEST_PUID:$TEST_PGID"
done <<<"$owners"
stray=$("${PODMAN[@]}" exec "$APP" find /data ! -user "$TEST_PUID")
[ -z "$stray" ] || fail "files in /data not owned by $TEST_PUID: $stray"

step "new container on the same volume"
"${PODMAN[@]}" rm -f -t 10 "$APP" >/dev/null
start_app
wait_healthy
listed=$(client list "$PORT")
echo "listed after restart: $listed"
grep -qF "$grabbed" <<<"$listed" || fail "torrent $hash (state and file) not listed after the restart"

echo "image: $IMAGE, $((size / 1000000)) MB; server uid $TEST_PUID"
