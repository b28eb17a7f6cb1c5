"""`civicshield org add SLUG --name NAME --sector CODE [...]` and `civicshield org list`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from civicshield.core.authz import OPERATOR
from civicshield.core.errors import NotFound
from civicshield.core.management import CivicShieldCommand, fail
from civicshield.directory import selectors, services
from civicshield.directory.choices import PoliticalLeaning, Sector


class Command(CivicShieldCommand):
    help = "Add or list organisations of the directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="Add an organisation.")
        add.add_argument("slug", metavar="SLUG", help="Short unique name, e.g. veridia-ec.")
        add.add_argument("--name", required=True, help="Full name.")
        add.add_argument("--sector", required=True, choices=Sector.values, metavar="CODE",
                         help="One of: " + ", ".join(Sector.values) + ".")
        add.add_argument("--country", default="", help="Country, e.g. Veridia.")
        add.add_argument("--region", default="", help="Region covered; empty means nationwide.")
        add.add_argument("--parent", metavar="SLUG", help="Slug of the parent organisation.")
        add.add_argument("--verified", action="store_true",
                         help="Mark the organisation as verified.")
        add.add_argument("--leaning", default="", choices=PoliticalLeaning.values,
                         metavar="CODE",
                         help="Political leaning, parties and campaigns only: "
                         + ", ".join(PoliticalLeaning.values) + ".")
        add.add_argument("--website", default="", help="Web address.")
        actions.add_parser("list", help="List the organisations.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self._add(options)
        else:
            self._list()

    def _add(self, options: dict[str, Any]) -> None:
        parent = None
        if options["parent"]:
            try:
                parent = selectors.organisation_for(OPERATOR, options["parent"])
            except NotFound:
                raise fail(
                    f"parent: no organisation with the slug {options['parent']!r} "
                    "(see `civicshield org list`)."
                ) from None
        organisation = services.create_organisation(
            actor=OPERATOR, slug=options["slug"], name=options["name"],
            sector=options["sector"], country=options["country"], region=options["region"],
            parent=parent, website=options["website"], verified=options["verified"],
            political_leaning=options["leaning"],
        )
        self.stdout.write(f"Added organisation {organisation.slug} ({organisation.name}).")

    def _list(self) -> None:
        organisations = list(selectors.organisations_visible_to(OPERATOR))
        if not organisations:
            self.stdout.write("No organisations yet: add one with `civicshield org add`.")
            return
        width = max(len(organisation.slug) for organisation in organisations)
        for organisation in organisations:
            mark = "verified" if organisation.verified else "unverified"
            self.stdout.write(
                f"{organisation.slug:<{width}}  {organisation.name}  "
                f"[{organisation.sector}, {mark}, {organisation.contact_count} contacts]"
            )
