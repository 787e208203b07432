#!/bin/sh
# `anibridge` inside the image: runs the real command as PUID:PGID when called as root, so the server and a
# `docker exec <container> anibridge check|jobs|migrate` alike never leave root-owned files in /data that the
# server could not write later.
set -eu
real=/opt/anibridge/bin/anibridge
if [ "$(id -u)" = 0 ] && [ "${PUID:-1000}" != 0 ]; then
    HOME=/home/anibridge
    export HOME
    exec setpriv --reuid="${PUID:-1000}" --regid="${PGID:-1000}" --clear-groups "$real" "$@"
fi
exec "$real" "$@"
