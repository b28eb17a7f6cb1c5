"""Run every benchmark (or those named) against a throwaway SQLite database."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
from pathlib import Path


def main(names: list[str]) -> int:
    data_dir = tempfile.mkdtemp(prefix="civicshield-bench-")
    os.environ.setdefault("CIVICSHIELD_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    folder = Path(__file__).parent
    modules = sorted(m.name for m in pkgutil.iter_modules([str(folder)])
                     if m.name.startswith("bench_"))
    selected = [m for m in modules if not names or m.removeprefix("bench_") in names]
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
