"""MISP warning lists: values too common or benign to correlate on.

Reads the MISP warninglists format (`type`: string | substring | hostname | cidr | regex,
`matching_attributes`, `list`) and answers "is this observable on a list?". The lists the
platform ships are vendored in `correlation/data/warninglists/` (see PROVENANCE.md there).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from civicshield.reports.choices import ObservableType

VENDORED = Path(__file__).parent / "data" / "warninglists"

# Which MISP attribute types each of our observable types stands for.
_MISP_TYPES: dict[str, set[str]] = {
    ObservableType.DOMAIN: {"domain", "hostname", "domain|ip"},
    ObservableType.URL: {"url", "uri"},
    ObservableType.IPV4: {"ip-src", "ip-dst", "domain|ip"},
    ObservableType.IPV6: {"ip-src", "ip-dst", "domain|ip"},
    ObservableType.EMAIL: {"email", "email-src", "email-dst"},
    ObservableType.MD5: {"md5"},
    ObservableType.SHA1: {"sha1"},
    ObservableType.SHA256: {"sha256"},
}


@dataclass
class WarningList:
    name: str
    type: str
    attributes: frozenset[str]
    values: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Networks by (IP version, prefix length) → network addresses as integers: a lookup per
    # prefix length instead of a scan of thousands of networks.
    prefixes: dict[tuple[int, int], frozenset[int]] = field(default_factory=dict)
    patterns: tuple[re.Pattern[str], ...] = ()

    def applies_to(self, observable_type: str) -> bool:
        # Asked for every list and value: a disjointness test builds no set.
        return not self.attributes.isdisjoint(_MISP_TYPES.get(observable_type, ()))


@dataclass
class WarningLists:
    lists: list[WarningList] = field(default_factory=list)

    def match(self, observable_type: str, value: str) -> str | None:
        """The name of the first list holding this (canonical) value, or None."""
        probes = _probes(observable_type, value)
        for warning_list in self.lists:
            if not warning_list.applies_to(observable_type):
                continue
            if _matches(warning_list, probes):
                return warning_list.name
        return None


@dataclass(frozen=True)
class _Probes:
    text: str
    host: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None


def _probes(observable_type: str, value: str) -> _Probes:
    text = value.strip().lower()
    host = text
    if observable_type == ObservableType.URL:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].split(":", 1)[0]
    elif observable_type == ObservableType.EMAIL:
        host = text.rsplit("@", 1)[-1]
    host = host.rstrip(".")
    address = None
    if observable_type in (ObservableType.IPV4, ObservableType.IPV6):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            address = None
    return _Probes(text, host, address)


def _matches(warning_list: WarningList, probes: _Probes) -> bool:
    if warning_list.type == "cidr":
        if probes.address is None:
            return False
        if str(probes.address) in warning_list.values:
            return True
        number, bits = int(probes.address), probes.address.max_prefixlen
        return any(
            (number >> (bits - length)) << (bits - length) in starts
            for (version, length), starts in warning_list.prefixes.items()
            if version == probes.address.version)
    if warning_list.type == "substring":
        return any(item in probes.text for item in warning_list.values)
    if warning_list.type == "regex":
        return any(pattern.search(probes.text) for pattern in warning_list.patterns)
    if warning_list.type == "hostname":
        # A hostname list covers the name and every subdomain of it.
        labels = probes.host.split(".")
        return any(".".join(labels[i:]) in warning_list.values for i in range(len(labels)))
    # "string": exact; MISP writes some domain entries with a leading dot, meaning a suffix.
    return (probes.text in warning_list.values or probes.host in warning_list.values
            or (bool(warning_list.suffixes) and probes.host.endswith(warning_list.suffixes)))


def parse(document: dict) -> WarningList:
    """One list in the MISP warninglists format."""
    kind = str(document.get("type", "string"))
    entries = [str(item).strip().lower() for item in document.get("list", []) if str(item).strip()]
    values: set[str] = set()
    suffixes: list[str] = []
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    patterns: list[re.Pattern[str]] = []
    for entry in entries:
        if kind == "cidr":
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            # Most entries are single addresses: a set lookup, not a scan.
            if network.num_addresses == 1:
                values.add(str(network.network_address))
            else:
                networks.append(network)
        elif kind == "regex":
            try:
                patterns.append(re.compile(entry))
            except re.error:
                continue
        elif kind == "string" and entry.startswith("."):
            suffixes.append(entry)
        else:
            values.add(entry.lstrip(".") if kind == "hostname" else entry)
    grouped: dict[tuple[int, int], set[int]] = {}
    for network in networks:
        grouped.setdefault((network.version, network.prefixlen), set()).add(
            int(network.network_address))
    return WarningList(
        name=str(document.get("name", "warning list")), type=kind,
        prefixes={key: frozenset(starts) for key, starts in grouped.items()},
        attributes=frozenset(document.get("matching_attributes", [])),
        values=frozenset(values), suffixes=tuple(suffixes), networks=tuple(networks),
        patterns=tuple(patterns))


def load_directory(folder: Path) -> WarningLists:
    """Every `*.json` list in `folder` (MISP warninglists format), sorted by file name."""
    return WarningLists([parse(json.loads(path.read_text(encoding="utf-8")))
                         for path in sorted(folder.glob("*.json"))])


@functools.cache
def vendored() -> WarningLists:
    """The lists shipped with the platform, read once per process."""
    return load_directory(VENDORED)


def defang(observable_type: str, value: str) -> str:
    """A value as analysts write it, so a page never shows a live link: `example[.]com`."""
    if observable_type in (ObservableType.DOMAIN, ObservableType.URL, ObservableType.EMAIL,
                           ObservableType.IPV4):
        value = value.replace(".", "[.]")
    if observable_type == ObservableType.URL:
        value = re.sub(r"^http", "hxxp", value)
    return value


def names(lists: Iterable[WarningList]) -> list[str]:
    return [item.name for item in lists]
