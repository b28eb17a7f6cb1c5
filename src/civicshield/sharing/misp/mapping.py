"""The MISP mapping both ways: attribute types, tags, threat level and analysis.

Pure tables and functions, no database. docs/misp.md describes the same mapping for
people; a change here is a change there.

MISP names are spelt as MISP spells them (`threat_level_id`, `Orgc`, `to_ids`,
`misp-galaxy:<type>="<value>"`; see the MISP core format, draft-dulaunoy-misp-core-format).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from civicshield.core.markings import TLP
from civicshield.reports import observables as kinds
from civicshield.reports.choices import Confidence, Outcome, Status

DATA_DIR = Path(__file__).resolve().parent / "data"

# Event and attribute uuids are uuid5 of this installation's namespace (derived from its STIX
# namespace, sharing/stix/ids.py) and our own ids, so that a re-export names the same things
# the same way and MISP updates instead of duplicating, and two installations never name two
# events alike (their report references and campaign ids repeat).
def _namespace() -> uuid.UUID:
    from civicshield.sharing.stix.ids import installation_namespace

    return uuid.uuid5(installation_namespace(), "misp")


# Our own machine tags (documented in docs/misp.md), for what no MISP taxonomy says.
OWN_NAMESPACE = "civicshield"
PHASE_PREDICATE = "electoral-phase"
INFORMATION_TYPE_PREDICATE = "information-type"
TECHNIQUE_PREDICATE = "technique"  # a technique without a MISP galaxy cluster
OBSERVABLE_TYPE_PREDICATE = "observable-type"
SEVERITY_PREDICATE = "severity"
OUTCOME_PREDICATE = "outcome"
CONFIDENCE_PREDICATE = "estimative-language:confidence-in-analytic-judgment"

DISARM_GALAXY = "disarm-techniques"
ATTACK_GALAXY = "mitre-attack-pattern"
GALAXY_TAG_COLOUR = "#0088cc"
DEFAULT_TAG_COLOUR = "#ffffff"


def event_uuid(reference: str) -> str:
    """The MISP event uuid of one of our reports, for ever the same."""
    return str(uuid.uuid5(_namespace(), f"report:{reference}"))


def correlation_organisation() -> dict[str, str]:
    """The MISP organisation of campaign events: campaigns are found by this installation's
    correlation, not by one organisation."""
    return {"name": "Civic Shield correlation",
            "uuid": str(uuid.uuid5(_namespace(), "correlation"))}


def campaign_uuid(campaign_id: int) -> str:
    return str(uuid.uuid5(_namespace(), f"campaign:{campaign_id}"))


def organisation_uuid(slug: str) -> str:
    return str(uuid.uuid5(_namespace(), f"organisation:{slug}"))


def attribute_uuid(event: str, misp_type: str, value: str) -> str:
    return str(uuid.uuid5(uuid.UUID(event), f"{misp_type}|{value}"))


def victim_attribute_uuid(event: str, victim_id: int) -> str:
    """A victim's attribute is named by the victim's id, not its value: two victims may
    share a name (voters of two regions), and one attribute uuid would make MISP keep one."""
    return str(uuid.uuid5(uuid.UUID(event), f"victim:{victim_id}"))


def machine_tag(namespace: str, predicate: str, value: str) -> str:
    return f'{namespace}:{predicate}="{value}"'


def own_tag(predicate: str, value: str) -> str:
    return machine_tag(OWN_NAMESPACE, predicate, value)


_MACHINE_TAG_RE = re.compile(r'^(?P<namespace>[^:="]+):(?P<predicate>[^="]+)(?:="(?P<value>.*)")?$')


@dataclass(frozen=True)
class MachineTag:
    namespace: str
    predicate: str
    value: str | None


def parse_tag(name: str) -> MachineTag | None:
    """`namespace:predicate="value"` (or `namespace:predicate`); None for a plain tag."""
    match = _MACHINE_TAG_RE.match(name.strip())
    if match is None:
        return None
    return MachineTag(match["namespace"].strip(), match["predicate"].strip(), match["value"])


# --- TLP -------------------------------------------------------------------------------

# The MISP TLP taxonomy's colours, so tags look in MISP as MISP's own do.
TLP_COLOURS: dict[str, str] = {
    TLP.RED: "#FF2B2B", TLP.AMBER_STRICT: "#FFC000", TLP.AMBER: "#FFC000",
    TLP.GREEN: "#33FF00", TLP.CLEAR: "#ffffff",
}
# MISP tags naming a TLP 2.0 marking; `tlp:white` is TLP 1.0 for CLEAR.
TLP_FROM_TAG: dict[str, str] = {
    "tlp:clear": TLP.CLEAR, "tlp:white": TLP.CLEAR, "tlp:green": TLP.GREEN,
    "tlp:amber": TLP.AMBER, "tlp:amber+strict": TLP.AMBER_STRICT, "tlp:red": TLP.RED,
}
# The TLP taxonomy's extensions set no marking; they are kept as labels, and the
# Chatham House Rule is spelt out in the report, where readers will see it.
TLP_EXTENSION_NOTES: dict[str, str] = {
    "tlp:ex:chr": "Chatham House Rule (TLP:EX:CHR): do not disclose the source of this "
                  "information.",
}


def tlp_tag(tlp: str) -> str:
    return f"tlp:{tlp}"


# --- Event fields ----------------------------------------------------------------------

# MISP threat_level_id: 1 High, 2 Medium, 3 Low, 4 Undefined. Our severity: 1 (least) to 5.
THREAT_LEVEL_FROM_SEVERITY: dict[int, int] = {1: 3, 2: 3, 3: 2, 4: 1, 5: 1}
SEVERITY_FROM_THREAT_LEVEL: dict[int, int] = {1: 4, 2: 3, 3: 2, 4: 3}

# MISP analysis: 0 Initial, 1 Ongoing, 2 Completed.
ANALYSIS_FROM_STATUS: dict[str, int] = {
    Status.NEW: 0, Status.TRIAGED: 1, Status.IN_ASSESSMENT: 1, Status.CLOSED: 2,
}
# An import never closes a report (closing needs our own reason): analysis the source has
# started or completed makes it triaged.
STATUS_FROM_ANALYSIS: dict[int, str] = {0: Status.NEW, 1: Status.TRIAGED, 2: Status.TRIAGED}

CONFIDENCE_TO_ESTIMATIVE: dict[str, str] = {
    Confidence.LOW: "low", Confidence.MEDIUM: "moderate", Confidence.HIGH: "high",
}
CONFIDENCE_FROM_ESTIMATIVE: dict[str, str] = {
    value: key for key, value in CONFIDENCE_TO_ESTIMATIVE.items()}
OUTCOMES = frozenset(Outcome.values)


# --- Attributes ------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeType:
    """How one of our observable types is written as a MISP attribute."""

    type: str
    category: str
    comment: str
    tagged: bool = False  # a generic MISP type: the observable type travels as a tag


ATTRIBUTE_FOR_OBSERVABLE: dict[str, AttributeType] = {
    kinds.URL: AttributeType("url", "Network activity", "URL"),
    kinds.DOMAIN: AttributeType("domain", "Network activity", "Domain"),
    kinds.IPV4: AttributeType("ip-dst", "Network activity", "IPv4 address"),
    kinds.IPV6: AttributeType("ip-dst", "Network activity", "IPv6 address"),
    kinds.EMAIL: AttributeType("email", "Social network", "E-mail address"),
    kinds.MD5: AttributeType("md5", "Payload delivery", "MD5 hash"),
    kinds.SHA1: AttributeType("sha1", "Payload delivery", "SHA-1 hash"),
    kinds.SHA256: AttributeType("sha256", "Payload delivery", "SHA-256 hash"),
    kinds.PHONE: AttributeType("phone-number", "Person", "Phone number"),
    kinds.MESSAGE_ID: AttributeType("email-message-id", "Payload delivery",
                                    "Message identifier"),
    kinds.SOCIAL_ACCOUNT: AttributeType("text", "Social network", "Social-media account",
                                        tagged=True),
    kinds.HASHTAG: AttributeType("text", "Social network", "Hashtag", tagged=True),
    kinds.AD_ID: AttributeType("text", "Social network", "Ad identifier", tagged=True),
}
# X accounts have MISP's own type; the value is the bare handle.
TWITTER_TYPE = "twitter-id"

# Victims whose consent allows their identity to be shown.
VICTIM_ORGANISATION = AttributeType("target-org", "Targeting data", "Victim organisation")
VICTIM_DESCRIBED = AttributeType("target-external", "Targeting data", "Victim")

# MISP attribute types we read, and the observable type each becomes. Composite types
# ("domain|ip") give one observable per part; `None` means "decided by the value".
OBSERVABLE_FOR_ATTRIBUTE: dict[str, str | None] = {
    "url": kinds.URL, "uri": kinds.URL,
    "domain": kinds.DOMAIN, "hostname": kinds.DOMAIN,
    "ip-dst": None, "ip-src": None,
    "email": kinds.EMAIL, "email-src": kinds.EMAIL, "email-dst": kinds.EMAIL,
    "email-reply-to": kinds.EMAIL, "whois-registrant-email": kinds.EMAIL,
    "md5": kinds.MD5, "sha1": kinds.SHA1, "sha256": kinds.SHA256,
    "phone-number": kinds.PHONE, "whois-registrant-phone": kinds.PHONE,
    "email-message-id": kinds.MESSAGE_ID,
    TWITTER_TYPE: kinds.SOCIAL_ACCOUNT,
    "text": None,
}
COMPOSITE_TYPES: dict[str, tuple[str, ...]] = {
    "domain|ip": ("domain", "ip-dst"), "hostname|port": ("hostname", ""),
    "ip-dst|port": ("ip-dst", ""), "ip-src|port": ("ip-src", ""),
    "filename|md5": ("", "md5"), "filename|sha1": ("", "sha1"),
    "filename|sha256": ("", "sha256"),
}
# The component of a composite that a `to_ids` flag makes an indicator: the part that
# identifies the activity (a domain, not the address it resolved to; a file's hash, not its
# name). An address with a port has none: the bare address may be shared hosting.
COMPOSITE_INDICATOR: dict[str, str] = {
    "domain|ip": "domain", "hostname|port": "hostname", "filename|md5": "md5",
    "filename|sha1": "sha1", "filename|sha256": "sha256",
}
VICTIM_ATTRIBUTE_TYPES = frozenset({"target-org", "target-external", "target-user"})


def ip_type(value: str) -> str:
    return kinds.IPV6 if ":" in value else kinds.IPV4


# --- Galaxies --------------------------------------------------------------------------

_ATTACK_VALUE_RE = re.compile(r"\s+-\s+(T\d{4}(?:\.\d{3})?)$")


@dataclass(frozen=True)
class DisarmGalaxy:
    value_by_code: dict[str, str]
    code_by_value: dict[str, str]


@functools.cache
def disarm_galaxy() -> DisarmGalaxy:
    """The vendored MISP galaxy of DISARM techniques (data/PROVENANCE.md)."""
    cluster = json.loads((DATA_DIR / "disarm-techniques.json").read_text(encoding="utf-8"))
    value_by_code: dict[str, str] = {}
    for entry in cluster["values"]:
        code = (entry.get("meta") or {}).get("external_id")
        if code:
            value_by_code[str(code)] = str(entry["value"])
    return DisarmGalaxy(value_by_code, {value: code for code, value in value_by_code.items()})


def _same_name(ours: str, theirs: str) -> bool:
    return ours.strip().casefold() == theirs.strip().casefold()


def technique_tag(vocabulary: str, code: str, name: str) -> tuple[str, bool]:
    """The tag naming a technique, and whether it is a galaxy cluster tag.

    DISARM techniques use the cluster value of MISP's `disarm-techniques` galaxy; ATT&CK
    techniques MISP's `mitre-attack-pattern` galaxy ("<name> - <id>"). The DISARM galaxy
    is older than the DISARM master and some codes changed meaning (T0097 is "Create
    Personas" there, "Present Persona" here), so a cluster is used only when code and
    name agree; any other technique travels as our own `civicshield:technique="<code>"`.
    """
    if vocabulary == "disarm":
        value = disarm_galaxy().value_by_code.get(code)
        if value is not None and _same_name(name, value):
            return machine_tag("misp-galaxy", DISARM_GALAXY, value), True
    elif vocabulary == "attack":
        return machine_tag("misp-galaxy", ATTACK_GALAXY, f"{name} - {code}"), True
    return own_tag(TECHNIQUE_PREDICATE, code), False


def technique_from_galaxy(galaxy: str, value: str, names: dict[str, str]) -> str | None:
    """Our technique code for a galaxy cluster tag, or None when it names none of ours.

    `names` maps our technique codes to their names. A DISARM cluster counts only when its
    name is our technique's name (see `technique_tag`).
    """
    if galaxy == DISARM_GALAXY:
        code = disarm_galaxy().code_by_value.get(value)
        if code is not None:
            return code if code in names and _same_name(names[code], value) else None
        # Newer galaxies write "T0086 - Name" or "Name - T0086"; the name must still agree.
        match = re.fullmatch(r"(?:(T\d{4}(?:\.\d{3})?)\s+-\s+)?(.+?)(?:\s+-\s+"
                             r"(T\d{4}(?:\.\d{3})?))?", value.strip())
        if match is None:  # an empty value, or one over several lines
            return None
        code = match.group(1) or match.group(3)
        if code and code in names and _same_name(names[code], match.group(2)):
            return code
        return None
    if galaxy.startswith("mitre-") and galaxy.endswith("attack-pattern"):
        found = _ATTACK_VALUE_RE.search(value)
        return found.group(1) if found and found.group(1) in names else None
    return None
