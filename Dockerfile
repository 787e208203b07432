# anibridge container image: Debian's Python 3.11 and ffmpeg, anibridge in a virtualenv, run as PUID/PGID.
#
#   docker build -t anibridge .
#   docker run -d -p 8000:8000 -v ./anibridge:/data -e PUID=1000 -e PGID=1000 anibridge
#
# With a headless Chromium for SerienStream's Turnstile gate (about 300 MB more; run it with BROWSER_GATE=chromium):
#   docker build --build-arg WITH_BROWSER=1 -t anibridge:browser .
#
# Two stages: the first installs anibridge (and pip, setuptools, the source tree) into /opt/anibridge; the second
# copies only that virtualenv onto a clean base, so no installer or build tool ends up in the image.

FROM docker.io/library/debian:bookworm-slim AS build

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

# postgres = the PostgreSQL driver (DATABASE_URL=postgresql://…, several instances on one queue); set the build
# argument empty for SQLite only.
ARG ANIBRIDGE_EXTRAS=postgres
# 1: also the browser-gate extra (selenium), and Debian's chromium + chromium-driver in the final image.
ARG WITH_BROWSER=0

WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml docker/requirements.py ./
RUN python3 -m venv /opt/anibridge \
 && extras="$ANIBRIDGE_EXTRAS" && if [ "$WITH_BROWSER" = 1 ]; then extras="$extras,browser-gate"; fi \
 && python3 requirements.py "$extras" >requirements.txt \
 && /opt/anibridge/bin/pip install --no-cache-dir -r requirements.txt "setuptools>=68"
COPY README.md ./
COPY src ./src
RUN /opt/anibridge/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
 && /opt/anibridge/bin/pip check \
 && /opt/anibridge/bin/pip uninstall -y pip setuptools


FROM docker.io/library/debian:bookworm-slim

# python3: the interpreter the virtualenv was made with (same path as in the build stage); ffmpeg/ffprobe: HLS
# downloads and quality probes; ca-certificates: ffmpeg's HTTPS uses the system trust store.
# Debian's ffmpeg links SDL and OpenGL, which pull in Mesa's GPU drivers and the LLVM they are compiled with
# (~165 MB). Nothing links those files; only a GL context would load them, and a headless server opens none, so
# dpkg is told not to unpack them. `ffmpeg -version` and `ffprobe -version` below prove every linked library is
# still there. WITH_BROWSER=1 adds chromium and chromium-driver (headless, so the excluded GPU files stay unused).
ARG WITH_BROWSER=0
RUN printf '%s\n' 'path-exclude /usr/lib/*/dri/*' 'path-exclude /usr/lib/*/libLLVM*' 'path-exclude /usr/lib/*/libz3.so*' \
        >/etc/dpkg/dpkg.cfg.d/anibridge-headless \
 && apt-get update \
 && apt-get install -y --no-install-recommends python3 ffmpeg ca-certificates \
 && if [ "$WITH_BROWSER" = 1 ]; then apt-get install -y --no-install-recommends chromium chromium-driver \
        && chromium --version && chromedriver --version; fi \
 && rm -rf /var/lib/apt/lists/* \
 && ffmpeg -hide_banner -version >/dev/null \
 && ffprobe -hide_banner -version >/dev/null \
 && useradd --uid 1000 --user-group --create-home --home-dir /home/anibridge --shell /usr/sbin/nologin anibridge

COPY --from=build /opt/anibridge /opt/anibridge
COPY docker/entrypoint.sh /usr/local/bin/docker-entrypoint
COPY docker/anibridge.sh /usr/local/bin/anibridge
COPY docker/healthcheck.py /usr/local/lib/anibridge-healthcheck.py

# DATA_DIR holds the SQLite database and the catalogue index caches; downloads go below it by default so one
# volume keeps everything. Sonarr/Radarr must see DOWNLOAD_DIR under the same path (or set QBIT_PUBLIC_SAVE_PATH).
ENV DATA_DIR=/data \
    DOWNLOAD_DIR=/data/downloads \
    PUID=1000 \
    PGID=1000 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
# The default port; ANIBRIDGE_PORT moves it (e.g. behind Gluetun, whose control server takes 8000).
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python3", "/usr/local/lib/anibridge-healthcheck.py"]

LABEL org.opencontainers.image.title="anibridge" \
      org.opencontainers.image.description="Torznab indexer, qBittorrent-compatible download client and STRM proxy for German streaming catalogues" \
      org.opencontainers.image.licenses="MIT"

# The entrypoint starts as root only to give the anibridge account the PUID/PGID and /data to that account;
# /usr/local/bin/anibridge then drops to PUID:PGID (also for `docker exec … anibridge check`).
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]
CMD ["anibridge", "serve"]
