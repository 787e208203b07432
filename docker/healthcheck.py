"""Container HEALTHCHECK: GET /health on the port the server listens on; exit 0 only on HTTP 200.

Standard library only (the image has no curl). /health answers 503 only when it is `down` (the database is
unreachable, a download worker has stopped, the download directory is not writable); `degraded` (a site
unreachable, little free space) stays 200 so Docker does not restart the container for an outage outside it.
The body is printed so `docker inspect` shows the reason.
"""

import os
import sys
import urllib.error
import urllib.request

host = os.environ.get("ANIBRIDGE_HOST", "").strip()
if host in ("", "0.0.0.0", "::", "[::]"):
    host = "127.0.0.1"  # a wildcard bind listens on loopback too
elif ":" in host and not host.startswith("["):
    host = f"[{host}]"
port = os.environ.get("ANIBRIDGE_PORT", "").strip() or "8000"
url = f"http://{host}:{port}/health"
try:
    with urllib.request.urlopen(url, timeout=8) as resp:
        print(resp.read(500).decode("utf-8", "replace"))
except urllib.error.HTTPError as ex:
    print(f"{url}: HTTP {ex.code} {ex.read(500).decode('utf-8', 'replace')}")
    sys.exit(1)
except OSError as ex:
    print(f"{url}: {ex}")
    sys.exit(1)
