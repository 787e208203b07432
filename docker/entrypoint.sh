#!/bin/sh
# Container entrypoint. Started as root (the default), it gives the `anibridge` account the uid/gid in PUID/PGID
# — the convention of the linuxserver.io images Sonarr/Radarr users run, so files in shared volumes get one owner
# — makes DATA_DIR and DOWNLOAD_DIR that account's, and runs the command; `anibridge` (/usr/local/bin/anibridge)
# then drops root. Started as another user (`docker run --user`, Kubernetes runAsUser) it changes nothing.
set -eu

if [ "$(id -u)" != 0 ]; then
    exec "$@"
fi

PUID=${PUID:-1000}
PGID=${PGID:-1000}
case "$PUID$PGID" in
    *[!0-9]*) echo "docker-entrypoint: PUID and PGID must be numbers, got PUID='$PUID' PGID='$PGID'" >&2; exit 2 ;;
esac

# Remap the account (files in its home follow); -o allows an id another account already has, as PUID/PGID of an
# existing host user often are.
if [ "$(id -g anibridge)" != "$PGID" ]; then
    groupmod -o -g "$PGID" anibridge
fi
if [ "$(id -u anibridge)" != "$PUID" ]; then
    usermod -o -u "$PUID" anibridge
fi

data_dir=${DATA_DIR:-/data}
download_dir=${DOWNLOAD_DIR:-$data_dir/downloads}
mkdir -p "$data_dir" "$download_dir"
chown "$PUID:$PGID" "$data_dir" "$download_dir"
# As in the reference image, CHOWN_RECURSIVE=false limits this to the two directories themselves. Only what is
# not already the account's is changed, so starts after the first cost one directory walk.
case "${CHOWN_RECURSIVE:-true}" in
    1|true|yes|on)
        find "$data_dir" "$download_dir" -xdev \( ! -user "$PUID" -o ! -group "$PGID" \) \
            -exec chown -h "$PUID:$PGID" {} + ;;
esac

exec "$@"
