"""The `civicshield` command: the one entry point.

Its own subcommands are Django management commands of the `core` app (`up`, `demo`,
`org`, `user`, `token`, `import-contacts`, `export-contacts`); every other Django
command (`migrate`, `check`, `createsuperuser`, ...) stays reachable through it.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicshield.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["civicshield", *argv])
    # Dashed names on the command line map to Django's underscored command modules.
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
