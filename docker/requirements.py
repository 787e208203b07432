"""Print anibridge's requirements (plus those of the extras named in argv[1], comma-separated) from pyproject.toml.

The image installs these in a layer of their own before the source is copied in, so a change to the code
rebuilds only the small layer that installs anibridge itself, not every dependency.
"""

import sys
import tomllib

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
extras = [name.strip() for name in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if name.strip()]
requirements = list(project["dependencies"])
for name in extras:
    requirements += project["optional-dependencies"][name]
print("\n".join(requirements))
