"""Veridia's directory: about thirty organisations, sixty contacts, one account per role.

Names are invented. E-mail addresses use the reserved `.example` domain; phone
numbers come from a range set aside for drama (+44 20 7946 0xxx), so none reaches anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from civicshield.core.choices import Role
from civicshield.directory import services
from civicshield.directory.choices import Availability, PoliticalLeaning, Sector
from civicshield.directory.models import Contact, Organisation, User

COUNTRY = "Veridia"
COORDINATOR_SLUG = "eicc"

# slug, name, sector, region, parent, verified, leaning, website host
ORGANISATIONS: list[tuple[str, str, str, str, str, bool, str]] = [
    ("eicc", "Election Integrity Coordination Centre", Sector.GOVERNMENT_AGENCY, "", "", True, ""),
    (
        "eicc-north",
        "Coordination Centre — Northern Desk",
        Sector.GOVERNMENT_AGENCY,
        "North",
        "eicc",
        True,
        "",
    ),
    (
        "cec",
        "Central Electoral Commission of Veridia",
        Sector.ELECTION_MANAGEMENT_BODY,
        "",
        "",
        True,
        "",
    ),
    (
        "cec-north",
        "Electoral Commission — Northern Regional Office",
        Sector.ELECTION_MANAGEMENT_BODY,
        "North",
        "cec",
        True,
        "",
    ),
    (
        "cec-south",
        "Electoral Commission — Southern Regional Office",
        Sector.ELECTION_MANAGEMENT_BODY,
        "South",
        "cec",
        True,
        "",
    ),
    ("interior", "Ministry of the Interior", Sector.GOVERNMENT_AGENCY, "", "", True, ""),
    ("vcsa", "Veridian Cyber Security Agency", Sector.SECURITY_AGENCY, "", "", True, ""),
    ("vsis", "Veridian State Intelligence Service", Sector.SECURITY_AGENCY, "", "", True, ""),
    ("police-cyber", "National Police — Cybercrime Unit", Sector.LAW_ENFORCEMENT, "", "", True, ""),
    ("police-north", "Northern Police Directorate", Sector.LAW_ENFORCEMENT, "North", "", True, ""),
    (
        "peoples-left",
        "People's Left Alliance",
        Sector.POLITICAL_PARTY,
        "",
        "",
        True,
        PoliticalLeaning.LEFT,
    ),
    (
        "green-path",
        "Green Path",
        Sector.POLITICAL_PARTY,
        "",
        "",
        True,
        PoliticalLeaning.CENTRE_LEFT,
    ),
    (
        "civic-centre",
        "Civic Centre Union",
        Sector.POLITICAL_PARTY,
        "",
        "",
        True,
        PoliticalLeaning.CENTRE,
    ),
    (
        "liberal-forum",
        "Liberal Forum",
        Sector.POLITICAL_PARTY,
        "",
        "",
        True,
        PoliticalLeaning.CENTRE_RIGHT,
    ),
    (
        "heritage",
        "Heritage and Nation Party",
        Sector.POLITICAL_PARTY,
        "",
        "",
        True,
        PoliticalLeaning.RIGHT,
    ),
    (
        "northern-voice",
        "Northern Voice",
        Sector.POLITICAL_PARTY,
        "North",
        "",
        False,
        PoliticalLeaning.OTHER,
    ),
    (
        "team-vell",
        "Team Doran Vell — presidential campaign",
        Sector.CANDIDATE_CAMPAIGN,
        "",
        "",
        True,
        PoliticalLeaning.CENTRE,
    ),
    ("votewatch", "VoteWatch Veridia", Sector.CIVIL_SOCIETY, "", "", True, ""),
    ("open-net", "Open Net Veridia", Sector.CIVIL_SOCIETY, "", "", False, ""),
    ("factdesk", "Veridia FactDesk", Sector.FACT_CHECKER_MEDIA, "", "", True, ""),
    ("vpb", "Veridian Public Broadcasting", Sector.FACT_CHECKER_MEDIA, "", "", True, ""),
    ("chirp", "Chirp (microblogging platform)", Sector.TECHNOLOGY_PLATFORM, "", "", True, ""),
    ("friendnet", "FriendNet (social network)", Sector.TECHNOLOGY_PLATFORM, "", "", True, ""),
    ("streamly", "Streamly (video platform)", Sector.TECHNOLOGY_PLATFORM, "", "", False, ""),
    ("bastion", "Bastion Labs", Sector.CYBERSECURITY_COMPANY, "", "", True, ""),
    ("lantern", "Lantern Security", Sector.CYBERSECURITY_COMPANY, "South", "", True, ""),
    (
        "uv-digital",
        "University of Veridia — Centre for Digital Democracy",
        Sector.ACADEMIA,
        "",
        "",
        True,
        "",
    ),
    ("portvale-lab", "Portvale Polytechnic Media Lab", Sector.ACADEMIA, "South", "", False, ""),
    (
        "reom",
        "Regional Election Observation Mission",
        Sector.INTERNATIONAL_ORGANISATION,
        "",
        "",
        True,
        "",
    ),
    (
        "cdeso",
        "Council of Democracies — Election Support Office",
        Sector.INTERNATIONAL_ORGANISATION,
        "",
        "",
        True,
        "",
    ),
]

# Contacts per organisation, lowest escalation level first; each escalates to the nearest
# more senior one.
# name, role title, level, 24/7?, topics, phases, languages, region
_CYBER = ["phishing", "account_compromise", "malware", "denial_of_service", "hack_and_leak"]
_INFO = [
    "disinformation_narrative",
    "coordinated_inauthentic_behaviour",
    "impersonation",
    "voter_suppression",
]
CONTACTS: dict[str, list[tuple[str, str, int, bool, list[str], list[str], list[str], str]]] = {
    "eicc": [
        ("Mara Ilvess", "Duty analyst", 1, True, [*_CYBER, *_INFO], [], ["en", "fr"], ""),
        ("Teodor Brannick", "Head of operations", 2, True, [], [], ["en"], ""),
        ("Celestine Aubry", "Director, Election Integrity", 3, True, [], [], ["en", "fr"], ""),
    ],
    "eicc-north": [
        ("Joran Peltz", "Regional liaison", 1, False, [*_INFO], [], ["en"], "North"),
        ("Halvard Brekke", "Regional coordinator", 2, False, [], [], ["en"], "North"),
    ],
    "cec": [
        (
            "Ysolde Marrow",
            "IT security officer",
            1,
            False,
            ["election_technology_vulnerability", "data_exposure"],
            ["voter_registration", "voting_operations", "counting_results"],
            ["en", "es"],
            "",
        ),
        (
            "Oskar Venn",
            "Results and tabulation officer",
            1,
            True,
            ["election_technology_vulnerability", "data_exposure"],
            ["counting_results"],
            ["en"],
            "",
        ),
        (
            "Pieter Holm",
            "Head of election technology",
            2,
            False,
            ["election_technology_vulnerability", "data_exposure"],
            [],
            ["en"],
            "",
        ),
        ("Agnes Tarrow", "Commission secretary", 3, False, [], [], ["en", "fr"], ""),
    ],
    "cec-north": [
        (
            "Linnea Vosk",
            "Regional registration officer",
            1,
            False,
            ["election_technology_vulnerability", "data_exposure"],
            ["voter_registration"],
            ["en"],
            "North",
        ),
        ("Benedek Sarn", "Regional director", 2, False, [], [], ["en"], "North"),
    ],
    "cec-south": [
        (
            "Rosalind Ferrow",
            "Regional registration officer",
            1,
            True,
            ["election_technology_vulnerability", "data_exposure"],
            ["voter_registration"],
            ["en", "es"],
            "South",
        ),
        ("Ilario Menz", "Regional director", 2, False, [], [], ["es", "en"], "South"),
    ],
    "interior": [
        (
            "Quentin Dallow",
            "Crisis desk officer",
            1,
            True,
            ["physical_security_incident"],
            [],
            ["en"],
            "",
        ),
        ("Mirela Stan", "Head of crisis management", 2, True, [], [], ["en"], ""),
        ("Hester Quayle", "Deputy minister's adviser", 3, False, [], [], ["en"], ""),
    ],
    "vcsa": [
        ("Nils Aberhart", "CERT duty officer", 1, True, _CYBER, [], ["en"], ""),
        (
            "Ida Reyes",
            "Election systems analyst",
            1,
            False,
            ["election_technology_vulnerability"],
            ["voting_operations", "counting_results"],
            ["en", "es"],
            "",
        ),
        ("Saoirse Lind", "Head of incident response", 2, True, _CYBER, [], ["en", "fr"], ""),
        ("Edmund Crale", "Agency director", 3, False, [], [], ["en"], ""),
    ],
    "vsis": [
        (
            "Analyst on duty",
            "Foreign interference desk",
            1,
            True,
            ["covert_foreign_funding", "coordinated_inauthentic_behaviour"],
            [],
            ["en"],
            "",
        ),
        ("Margit Olander", "Head of counter-interference", 3, False, [], [], ["en"], ""),
    ],
    "police-cyber": [
        (
            "Sgt. Ruben Castel",
            "Cybercrime investigator",
            1,
            True,
            ["account_compromise", "threats_harassment"],
            [],
            ["en", "es"],
            "",
        ),
        ("Insp. Dagny Hale", "Unit commander", 2, False, [], [], ["en"], ""),
        ("Commissioner Lotte Brisk", "Deputy police commissioner", 3, False, [], [], ["en"], ""),
    ],
    "police-north": [
        (
            "Sgt. Olek Brandt",
            "Election security liaison",
            1,
            False,
            ["physical_security_incident", "threats_harassment"],
            ["voting_operations"],
            ["en"],
            "North",
        ),
    ],
    "peoples-left": [
        (
            "Ines Kavanagh",
            "Digital security lead",
            1,
            False,
            ["phishing", "account_compromise"],
            ["campaign"],
            ["en", "es"],
            "",
        ),
        ("Tomasz Reeve", "Party general secretary", 3, False, [], [], ["en"], ""),
    ],
    "green-path": [
        (
            "Hana Velde",
            "Campaign IT manager",
            1,
            False,
            ["phishing", "website_defacement"],
            ["campaign"],
            ["en"],
            "",
        ),
        ("Ottilie Marsh", "Party chair", 3, False, [], [], ["en", "fr"], ""),
    ],
    "civic-centre": [
        (
            "Anselm Grey",
            "Communications director",
            2,
            False,
            ["disinformation_narrative", "impersonation"],
            ["campaign"],
            ["en"],
            "",
        ),
        ("Beatrix Lune", "Party leader's chief of staff", 3, False, [], [], ["en"], ""),
    ],
    "liberal-forum": [
        (
            "Caspar Wend",
            "Security coordinator",
            1,
            False,
            ["phishing", "hack_and_leak"],
            ["campaign"],
            ["en"],
            "",
        ),
        ("Delphine Roke", "Party secretary general", 3, False, [], [], ["en", "fr"], ""),
    ],
    "heritage": [
        (
            "Gideon Farrow",
            "Digital campaign manager",
            1,
            False,
            ["account_compromise", "impersonation"],
            ["campaign"],
            ["en"],
            "",
        ),
        ("Magdalena Stroud", "Party chair", 3, False, [], [], ["en"], ""),
    ],
    "northern-voice": [
        ("Eira Solberg", "Party organiser", 2, False, [], ["campaign"], ["en"], "North"),
    ],
    "team-vell": [
        (
            "Felix Arden",
            "Campaign security lead",
            1,
            True,
            ["phishing", "account_compromise", "threats_harassment", "impersonation"],
            ["campaign", "party_candidate_registration"],
            ["en"],
            "",
        ),
        ("Ramona Tiel", "Campaign manager", 2, False, [], [], ["en", "es"], ""),
    ],
    "votewatch": [
        (
            "Kofi Landry",
            "Monitoring coordinator",
            1,
            False,
            ["voter_suppression", "disinformation_narrative"],
            ["voting_operations", "counting_results"],
            ["en", "fr"],
            "",
        ),
        (
            "Miguel Arroyo",
            "Field manager",
            2,
            False,
            ["voter_suppression"],
            ["voting_operations"],
            ["es", "en"],
            "South",
        ),
        ("Sunniva Park", "Executive director", 3, False, [], [], ["en"], ""),
    ],
    "open-net": [
        (
            "Levi Amsel",
            "Digital rights researcher",
            1,
            False,
            ["platform_policy_change", "legal_regulatory_change"],
            [],
            ["en"],
            "",
        ),
    ],
    "factdesk": [
        (
            "Noor Halvard",
            "Verification editor",
            1,
            True,
            ["disinformation_narrative", "impersonation", "coordinated_inauthentic_behaviour"],
            [],
            ["en", "fr", "es"],
            "",
        ),
        (
            "Ezra Collins",
            "Night verification desk",
            1,
            True,
            ["disinformation_narrative"],
            [],
            ["en"],
            "",
        ),
        ("Cyril Maddox", "Editor in chief", 2, False, [], [], ["en"], ""),
    ],
    "vpb": [
        (
            "Annika Dross",
            "Standards editor",
            2,
            False,
            ["disinformation_narrative"],
            [],
            ["en", "fr"],
            "",
        ),
    ],
    "chirp": [
        (
            "Trust and Safety escalations",
            "Election integrity team",
            1,
            True,
            ["coordinated_inauthentic_behaviour", "impersonation", "account_compromise"],
            [],
            ["en", "fr", "es"],
            "",
        ),
        (
            "Priya Lorne",
            "Public policy manager",
            2,
            False,
            ["platform_policy_change"],
            [],
            ["en"],
            "",
        ),
    ],
    "friendnet": [
        (
            "Election response desk",
            "Integrity operations",
            1,
            True,
            ["coordinated_inauthentic_behaviour", "voter_suppression", "disinformation_narrative"],
            [],
            ["en", "es"],
            "",
        ),
        ("Jonas Ekberg", "Head of election integrity", 2, False, [], [], ["en"], ""),
    ],
    "streamly": [
        (
            "Partner support",
            "Policy enforcement",
            1,
            False,
            ["disinformation_narrative", "impersonation"],
            [],
            ["en"],
            "",
        ),
    ],
    "bastion": [
        ("Vera Kolb", "Threat intelligence lead", 1, True, _CYBER, [], ["en"], ""),
        ("Marek Sutton", "Chief technology officer", 2, False, [], [], ["en"], ""),
    ],
    "lantern": [
        (
            "Zadie Morrow",
            "Incident responder",
            1,
            True,
            ["malware", "denial_of_service"],
            [],
            ["en", "es"],
            "South",
        ),
    ],
    "uv-digital": [
        (
            "Tamsin Roe",
            "Research fellow",
            1,
            False,
            ["coordinated_inauthentic_behaviour"],
            [],
            ["en"],
            "",
        ),
        (
            "Dr. Ambrose Kell",
            "Research director",
            2,
            False,
            ["coordinated_inauthentic_behaviour", "disinformation_narrative"],
            [],
            ["en", "fr"],
            "",
        ),
    ],
    "portvale-lab": [
        (
            "Dr. Lucia Ferran",
            "Media lab lead",
            1,
            False,
            ["disinformation_narrative"],
            [],
            ["es", "en"],
            "South",
        ),
    ],
    "reom": [
        (
            "Head of mission office",
            "Core team",
            2,
            False,
            [],
            ["voting_operations", "counting_results", "post_election"],
            ["en", "fr"],
            "",
        ),
    ],
    "cdeso": [
        (
            "Elodie Marchetti",
            "Election support officer",
            1,
            False,
            ["legal_regulatory_change"],
            ["legal_framework", "planning_budgeting", "training_voter_education"],
            ["fr", "en"],
            "",
        ),
        ("Stefan Iverholt", "Programme director", 3, False, [], [], ["en"], ""),
    ],
}

# username, role, organisation slug
DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", Role.ADMIN, "eicc"),
    ("coordinator", Role.COORDINATOR, "eicc"),
    ("analyst", Role.ANALYST, "cec"),
    ("contributor", Role.CONTRIBUTOR, "factdesk"),
    ("panel", Role.PANEL, "uv-digital"),
    ("viewer", Role.VIEWER, "green-path"),
]

_PHONE_BASE = 442079460000  # +44 20 7946 0000: reserved for drama


def is_loaded() -> bool:
    return Organisation.objects.filter(slug=COORDINATOR_SLUG).exists()


def counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), Contact.objects.count(), User.objects.count()


def _email(name: str, organisation_slug: str) -> str:
    words = ["".join(ch for ch in word if ch.isalnum()) for word in name.lower().split()]
    return ".".join(word for word in words if word) + f"@{organisation_slug}.veridia.example"


def load(*, actor: Any, progress: Callable[[str, int, int], None] | None = None) -> None:
    """Create the organisations, contacts and demo accounts through the services."""
    from civicshield.demo import DEMO_PASSWORD

    created: dict[str, Organisation] = {}
    total = len(ORGANISATIONS)
    for done, (slug, name, sector, region, parent, verified, leaning) in enumerate(
        ORGANISATIONS, start=1
    ):
        organisation = services.create_organisation(
            actor=actor,
            slug=slug,
            name=name,
            sector=sector,
            country=COUNTRY,
            region=region,
            parent=created.get(parent),
            verified=verified,
            political_leaning=leaning,
            website=f"https://{slug}.veridia.example/",
        )
        created[slug] = organisation
        if progress:
            progress("organisations", done, total)
    # The coordinating organisation runs the instance; a flag no user may set through the UI.
    Organisation.objects.filter(slug=COORDINATOR_SLUG).update(is_coordinator=True)

    phone = _PHONE_BASE
    total = sum(len(people) for people in CONTACTS.values())
    done = 0
    for slug, people in CONTACTS.items():
        seniors: list[Contact] = []
        # Create the most senior first, so each junior can name whom they escalate to.
        for name, title, level, round_the_clock, topics, phases, languages, region in reversed(
            people
        ):
            phone += 7
            above = next((c for c in reversed(seniors) if c.escalation_level > level), None)
            contact = services.create_contact(
                actor=actor,
                organisation=created[slug],
                name=name,
                role_title=title,
                email=_email(name, slug),
                phone=f"+{phone}",
                secure_channel=f"signal:{name.split()[-1].lower()}.{slug}",
                topics=topics,
                phases=phases,
                languages=languages,
                region=region,
                availability=Availability.ROUND_THE_CLOCK
                if round_the_clock
                else Availability.BUSINESS_HOURS,
                timezone="Europe/Lisbon",
                escalation_level=level,
                escalates_to=above,
            )
            seniors.append(contact)
            done += 1
            if progress:
                progress("contacts", done, total)

    for username, role, slug in DEMO_USERS:
        services.create_user(
            actor=actor,
            username=username,
            organisation=created[slug],
            role=role,
            password=DEMO_PASSWORD,
            email=f"{username}@{slug}.veridia.example",
        )
    if progress:
        progress("accounts", len(DEMO_USERS), len(DEMO_USERS))
