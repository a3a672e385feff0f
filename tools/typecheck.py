"""Run mypy on the work tree, for developers with an editable install.

mypy cannot follow setuptools' editable-install import hook, and the
package-dir mapping (corpus/ -> denialbench.corpus) exists only once
installed. This script links the mapped folders into one ``denialbench``
tree under build/typecheck/ (the layout a wheel installs; a fixed place, so
mypy's cache stays valid) and runs mypy on it with the settings of
pyproject.toml. Errors name the linked paths
(``build/typecheck/denialbench/corpus/_io.py`` is ``corpus/_io.py``).

    python tools/typecheck.py            # = mypy -p denialbench on the work tree

CI runs ``mypy -p denialbench`` against the installed wheel instead (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def link_tree(target: Path) -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    for package, folder in sorted(setuptools["package-dir"].items()):
        destination = target.joinpath(*package.split("."))
        destination.mkdir(parents=True, exist_ok=True)
        for entry in (ROOT / folder).iterdir():
            if entry.name != "__pycache__" and not destination.joinpath(entry.name).exists():
                destination.joinpath(entry.name).symlink_to(entry)


def main() -> int:
    tree = ROOT / "build" / "typecheck"
    shutil.rmtree(tree, ignore_errors=True)  # files may have been added or removed
    link_tree(tree)
    env = {**os.environ, "MYPYPATH": str(tree.relative_to(ROOT))}
    command = [sys.executable, "-m", "mypy", "-p", "denialbench", *sys.argv[1:]]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
