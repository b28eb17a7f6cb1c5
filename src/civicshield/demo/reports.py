"""Veridia's reports: sharing groups, sharing agreements, about forty reports and a few tips.

Everything goes through the services, so the demo obeys the same rules as real use: each
report is created by an account of the reporting organisation, marked and addressed as
the TLP rules and the sharing agreements require. Every text, name and address is invented;
web addresses in report texts are defanged (`vote-info-veridia[.]com`), as analysts write them.

One fake "voting information" site, vote-info-veridia.com, runs through reports from
platforms, fact-checkers, civil society, the commission, a security company, a party and the
coordination centre: the thread a correlation feature will pull into one campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicshield.core.choices import Role
from civicshield.core.markings import TLP
from civicshield.directory import services as directory_services
from civicshield.directory.choices import Sector
from civicshield.directory.models import Contact, Organisation, User
from civicshield.reports import services as report_services
from civicshield.reports.choices import Confidence, Consent, Outcome, Status, VictimKind
from civicshield.sharing import services as sharing_services
from civicshield.sharing.models import SharingGroup
from civicshield.vocab.selectors import terms_visible_to

Progress = Callable[[str, int, int], None]

SHARED_DOMAIN = "vote-info-veridia.com"

# Reports are written by these demo accounts where they belong to the reporting
# organisation and may report; other organisations get a "reporter-<slug>" analyst.
_EXISTING_REPORTERS = {"eicc": "coordinator", "cec": "analyst", "factdesk": "contributor"}

# slug, name, description, member organisations
GROUPS: list[tuple[str, str, str, list[str]]] = [
    ("election-security", "Election-security working group",
     "The coordination centre, the commission, the cyber agency, the police cybercrime unit "
     "and a vetted security company: technical indicators and incidents against election "
     "systems.", ["eicc", "cec", "vcsa", "police-cyber", "bastion"]),
    ("platform-integrity", "Platform integrity network",
     "The coordination centre, the platforms and the main fact-checker: narratives, fake "
     "accounts and takedowns.", ["eicc", "chirp", "friendnet", "streamly", "factdesk"]),
    ("party-security-circle", "Party security circle",
     "Every registered party and campaign alike, with the coordination centre: warnings about "
     "phishing and account takeovers aimed at campaigns.",
     ["eicc", "peoples-left", "green-path", "civic-centre", "liberal-forum", "heritage",
      "northern-voice", "team-vell"]),
]


@dataclass(frozen=True)
class DemoAgreement:
    slug: str
    name: str
    purpose: str
    information_types: list[str]
    default_tlp: str
    widest_tlp: str
    hours_to_share: int
    contact: str  # the contact's name
    provider_sectors: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    recipient_organisations: list[str] = field(default_factory=list)
    recipient_groups: list[str] = field(default_factory=list)


AGREEMENTS: list[DemoAgreement] = [
    DemoAgreement(
        "platforms-coordinated-behaviour",
        "Platforms report coordinated inauthentic behaviour",
        "When a platform finds networks of fake accounts, impersonation of officials or false "
        "voting information aimed at Veridian voters, it tells the coordination centre and the "
        "commission within a day, so the commission can correct the record and other platforms "
        "can look for the same network.",
        ["coordinated_inauthentic_behaviour", "impersonation", "voter_suppression",
         "disinformation_narrative"],
        TLP.AMBER, TLP.GREEN, 24, "Mara Ilvess",
        provider_sectors=[Sector.TECHNOLOGY_PLATFORM],
        recipient_organisations=["eicc", "cec"]),
    DemoAgreement(
        "parties-account-security",
        "Parties report phishing and account takeovers",
        "Parties and campaigns tell the coordination centre within two hours when their staff "
        "are phished or an account is taken over — even when the attempt failed — so that "
        "every other party can be warned without naming the victim.",
        ["phishing", "account_compromise", "hack_and_leak"],
        TLP.AMBER_STRICT, TLP.AMBER_STRICT, 2, "Mara Ilvess",
        provider_sectors=[Sector.POLITICAL_PARTY, Sector.CANDIDATE_CAMPAIGN],
        recipient_organisations=["eicc"]),
    DemoAgreement(
        "security-companies-threat-intelligence",
        "Security companies share threat intelligence with the working group",
        "Security companies that see attacks on Veridian election bodies, parties or vendors "
        "share the indicators with the election-security working group within four hours, so "
        "the agency and the commission can block them.",
        ["phishing", "account_compromise", "malware", "denial_of_service", "website_defacement",
         "election_technology_vulnerability"],
        TLP.AMBER, TLP.AMBER, 4, "Saoirse Lind",
        provider_sectors=[Sector.CYBERSECURITY_COMPANY],
        recipient_groups=["election-security"]),
    DemoAgreement(
        "fact-checkers-false-voting-information",
        "Fact-checkers and civil society flag false voting information",
        "Fact-checkers and monitoring groups flag false claims about how, when and where to "
        "vote to the platforms and the commission within twelve hours; most of it can be "
        "shared publicly once checked.",
        ["disinformation_narrative", "voter_suppression", "impersonation"],
        TLP.GREEN, TLP.CLEAR, 12, "Noor Halvard",
        provider_sectors=[Sector.FACT_CHECKER_MEDIA, Sector.CIVIL_SOCIETY],
        recipient_organisations=["cec"], recipient_groups=["platform-integrity"]),
]

# Victims, each always with the same consent (a report may narrow consent, never widen it).
NORTH_CANDIDATE = {"kind": VictimKind.CANDIDATE, "name": "Parliamentary candidate, Northern "
                   "district 3", "region": "North", "consent": Consent.PRIVATE}
SOUTH_REGISTRATION_OFFICER = {"kind": VictimKind.OFFICIAL, "name": "Rosalind Ferrow, regional "
                              "registration officer", "region": "South",
                              "consent": Consent.PARTNERS}
NORTH_PRESIDING_OFFICERS = {"kind": VictimKind.OFFICIAL, "name": "Presiding officers of the "
                            "Northern region", "region": "North", "consent": Consent.PARTNERS}
COMMISSION_CHAIR = {"kind": VictimKind.OFFICIAL, "name": "Chair of the Central Electoral "
                    "Commission", "region": "", "consent": Consent.PUBLIC}
PORTVALE_VOTERS = {"kind": VictimKind.VOTERS, "name": "Voters in Portvale", "region": "South",
                   "consent": Consent.PUBLIC}
GREEN_PATH = {"organisation": "green-path", "consent": Consent.PUBLIC}
HERITAGE = {"organisation": "heritage", "consent": Consent.PARTNERS}
TEAM_VELL = {"organisation": "team-vell", "consent": Consent.PARTNERS}
PEOPLES_LEFT = {"organisation": "peoples-left", "consent": Consent.PARTNERS}
TABULATION_VENDOR = {"kind": VictimKind.OTHER, "name": "Results tabulation software vendor",
                     "region": "", "consent": Consent.PRIVATE}


def _domain(value: str) -> dict[str, str]:
    return {"type": "domain", "value": value}


def _observable(kind: str, value: str) -> dict[str, str]:
    return {"type": kind, "value": value}


@dataclass(frozen=True)
class DemoReport:
    organisation: str
    days_ago: float
    title: str
    description: str
    phases: list[str]
    information_types: list[str]
    tlp: str
    outcome: str = Outcome.UNKNOWN
    severity: int = 3
    confidence: str = Confidence.MEDIUM
    techniques: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    victims: list[dict[str, Any]] = field(default_factory=list)
    observables: list[dict[str, str]] = field(default_factory=list)
    duration_hours: float | None = None
    status: str = Status.NEW
    closed_reason: str = ""
    override_reason: str = ""


_A, _AS = TLP.AMBER, TLP.AMBER_STRICT
_ATTEMPTED, _SUCCESSFUL = Outcome.ATTEMPTED, Outcome.SUCCESSFUL
_HIGH, _LOW = Confidence.HIGH, Confidence.LOW

REPORTS: list[DemoReport] = [
    # --- The fake voting-information site, seen from every side -----------------------
    DemoReport(
        "chirp", 41.3, "Network of 212 accounts pushing a 'vote by text message' claim",
        "Our election integrity team removed 212 accounts created in the last three months that "
        "posted, within minutes of each other, the claim that Veridians can vote by sending a "
        "text message this year. Every post linked to vote-info-veridia[.]com and used "
        "#VoteBySMS. Profile pictures were generated; posting times follow a single working "
        "day in another time zone.",
        ["campaign", "voting_operations"], ["coordinated_inauthentic_behaviour",
                                            "voter_suppression"], _A,
        outcome=_SUCCESSFUL, severity=4, confidence=_HIGH,
        techniques=["T0049.003", "T0143.002", "T0145.002"],
        organisations=["eicc", "cec"],
        observables=[_domain(SHARED_DOMAIN), _observable("hashtag", "#VoteBySMS")],
        duration_hours=72, status=Status.IN_ASSESSMENT),
    DemoReport(
        "friendnet", 38.6, "Pages posing as the Electoral Commission link to a fake "
        "voting-information site",
        "Nine pages using the Commission's logo and the name 'Veridia Votes — Official' shared "
        "a 'new way to register for postal voting' leading to "
        "hxxps://vote-info-veridia[.]com/register-sms. The pages were removed for "
        "impersonation; about 18,000 people had followed them.",
        ["voting_operations", "training_voter_education"], ["impersonation",
                                                            "voter_suppression"],
        TLP.GREEN, outcome=_SUCCESSFUL, severity=4, confidence=_HIGH,
        techniques=["T0097.201", "T0143.003", "T0149.003"],
        observables=[_domain(SHARED_DOMAIN),
                     _observable("url", "https://vote-info-veridia.com/register-sms")]),
    DemoReport(
        "factdesk", 36.2, "Fact-check: no, you cannot vote by text message",
        "Posts claim that voters can cast their ballot by text message and point to "
        "vote-info-veridia[.]com. The Electoral Commission confirms that voting is in person "
        "or by registered postal ballot only. The site is not run by the Commission. Rating: "
        "false.",
        ["voting_operations", "training_voter_education"], ["disinformation_narrative",
                                                            "voter_suppression"],
        TLP.CLEAR, outcome=_SUCCESSFUL, severity=3, confidence=_HIGH,
        observables=[_domain(SHARED_DOMAIN), _observable("hashtag", "#VoteBySMS")],
        status=Status.CLOSED, closed_reason="Fact-check published; the platforms were told."),
    DemoReport(
        "votewatch", 33.4, "Leaflets in Portvale point voters to a fake information site",
        "Our observers found leaflets in letterboxes in three Portvale neighbourhoods saying that "
        "polling stations 'have moved' and that voters should check their new station at "
        "vote-info-veridia[.]com/portvale (QR code). The addresses on the leaflet do not match "
        "the Commission's list.",
        ["voting_operations"], ["voter_suppression", "disinformation_narrative"], TLP.GREEN,
        outcome=_SUCCESSFUL, severity=4, victims=[PORTVALE_VOTERS],
        observables=[_domain(SHARED_DOMAIN),
                     _observable("url", "https://vote-info-veridia.com/portvale")]),
    DemoReport(
        "cec", 30.1, "Lookalike of the Commission's voter-information page registered",
        "vote-info-veridia[.]com copies the layout and wording of our voter-information page. "
        "It was registered 52 days ago through a privacy service and is hosted at "
        "203.0.113.45. We have asked the registrar to suspend it and published a warning.",
        ["training_voter_education", "voter_registration"], ["impersonation"], _A,
        severity=3, confidence=_HIGH, techniques=["T0149.003", "T0097.201"],
        groups=["election-security"],
        observables=[_domain(SHARED_DOMAIN), _observable("ipv4", "203.0.113.45")],
        status=Status.TRIAGED),
    DemoReport(
        "bastion", 28.4, "Phishing kit on a subdomain of the fake voting site targets party "
        "webmail",
        "A phishing kit imitating a party webmail login was found at "
        "hxxps://login.vote-info-veridia[.]com/owa/ on the same server (203.0.113.45) as the "
        "fake voting-information site. The kit sends captured passwords to a messaging bot. "
        "We saw it probed by addresses of two parties' staff; no successful login followed.",
        ["campaign"], ["phishing"], _A, outcome=_ATTEMPTED, severity=4, confidence=_HIGH,
        techniques=["T1566.002", "T1583.001"], groups=["election-security"],
        observables=[
            _domain(SHARED_DOMAIN),
            _observable("url", "https://login.vote-info-veridia.com/owa/"),
            _observable("ipv4", "203.0.113.45"),
            _observable("sha256",
                        "9f2c1a7e4b3d8c6f0a1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2"),
        ]),
    DemoReport(
        "green-path", 27.2, "Staff sent fake password-reset e-mails — no one entered a password",
        "Eleven campaign staff received an e-mail 'from IT' asking them to reset their password "
        "at login.vote-info-veridia[.]com. Two clicked the link; the password manager refused "
        "to fill in the form on the wrong site and both reported it. No password was entered.",
        ["campaign"], ["phishing"], _AS, outcome=_ATTEMPTED, severity=3, confidence=_HIGH,
        techniques=["T1566.002"], organisations=["eicc"], victims=[GREEN_PATH],
        observables=[_domain(SHARED_DOMAIN),
                     _observable("email", "it-support@vote-info-veridia[.]com"),
                     _observable("message_id", "<a81f.77c2@vote-info-veridia.com>")]),
    DemoReport(
        "eicc", 25.0, "Takedown requested for the fake voting-information site",
        "The centre asked the registrar and the hosting company to take down "
        "vote-info-veridia[.]com, which serves both false voting information and a phishing "
        "page for party webmail. Platforms are asked to block links to it. Reports from "
        "partners are linked here.",
        ["voting_operations", "campaign"], ["impersonation", "other_interference"], _A,
        severity=4, confidence=_HIGH, groups=["platform-integrity", "election-security"],
        observables=[_domain(SHARED_DOMAIN), _observable("ipv4", "203.0.113.45")],
        status=Status.IN_ASSESSMENT),
    # --- Attempted and successful breaches against parties and campaigns -------------
    DemoReport(
        "peoples-left", 55.3, "Credential stuffing against the membership portal blocked",
        "Over four hours, about 30,000 login attempts with e-mail and password pairs from old "
        "leaks hit our membership portal from two address ranges. Rate limiting and the second "
        "factor stopped them; no account was taken over.",
        ["party_candidate_registration"], ["account_compromise"], _AS, outcome=_ATTEMPTED,
        severity=2, confidence=_HIGH, techniques=["T1110.004"], organisations=["eicc"],
        victims=[PEOPLES_LEFT],
        observables=[_observable("ipv4", "198.51.100.17"), _observable("ipv4", "198.51.100.18")],
        duration_hours=4, status=Status.CLOSED,
        closed_reason="Blocked by rate limiting; address ranges shared with the agency."),
    DemoReport(
        "team-vell", 47.5, "Spear-phishing of the campaign manager with a fake debate invitation",
        "The campaign manager received an invitation to a televised debate with a document "
        "attached. The mail gateway quarantined it: the document drops a remote-access tool. "
        "The sender address imitates the public broadcaster.",
        ["campaign"], ["phishing", "malware"], _AS, outcome=_ATTEMPTED, severity=4,
        confidence=_HIGH, techniques=["T1566.001"], organisations=["eicc"],
        victims=[TEAM_VELL],
        observables=[
            _observable("email", "debates@vpb-veridia-invites.example"),
            _observable("sha256",
                        "4d7e9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f"),
        ]),
    DemoReport(
        "heritage", 20.4, "Regional video channel taken over and used to post false claims",
        "Our Northern branch's video channel was taken over through a reused password. The "
        "attackers posted a video falsely announcing that the party withdraws its Northern "
        "candidates. Access was recovered after six hours; the video was removed.",
        ["campaign"], ["account_compromise"], TLP.RED, outcome=_SUCCESSFUL, severity=4,
        confidence=_HIGH, techniques=["T1078"], users=["coordinator", "reporter-police-cyber"],
        victims=[HERITAGE], duration_hours=6),
    DemoReport(
        "liberal-forum", 15.2, "Stolen party e-mails offered for sale",
        "A forum post offers 'the Liberal Forum's internal e-mails' for sale and shows three "
        "screenshots. Two look genuine and date from 2023; we are checking how they were "
        "obtained. No publication yet.",
        ["campaign"], ["hack_and_leak"], _AS, outcome=Outcome.UNKNOWN, severity=4,
        confidence=_LOW, organisations=["eicc", "vcsa"]),
    DemoReport(
        "northern-voice", 12.3, "Fake audio of a Northern candidate insulting voters",
        "An audio clip circulating in messaging groups claims to record our candidate in the "
        "Northern district insulting farmers. The candidate never said this; the voice shows "
        "signs of synthesis. The candidate asks not to be named in what is shared.",
        ["campaign"], ["disinformation_narrative", "impersonation"], _A, outcome=_SUCCESSFUL,
        severity=3, techniques=["T0088.001"], organisations=["eicc", "eicc-north"],
        victims=[NORTH_CANDIDATE]),
    DemoReport(
        "police-north", 10.1, "Threats against a Northern candidate before a rally",
        "A candidate in the Northern district received threatening messages naming the time "
        "and place of a rally. Officers were present; the rally went ahead. An investigation "
        "is open.",
        ["campaign"], ["threats_harassment"], TLP.RED, outcome=_SUCCESSFUL, severity=5,
        confidence=_HIGH, users=["coordinator", "reporter-police-cyber"],
        victims=[NORTH_CANDIDATE]),
    DemoReport(
        "civic-centre", 4.2, "Fake account impersonating the party leader asks for donations",
        "An account using the party leader's name and photo asks followers to donate to a "
        "'campaign fund' through a payment link. It is not ours.",
        ["campaign"], ["impersonation"], TLP.GREEN, outcome=_SUCCESSFUL, severity=3,
        techniques=["T0143.003", "T0146.005"],
        observables=[_observable("social_account", "@civiccentre_leader_official")]),
    DemoReport(
        "green-path", 3.1, "Party website down for forty minutes under a traffic flood",
        "Our website was unreachable for about forty minutes during the televised debate. The "
        "hosting company saw a flood of requests from many addresses; filtering is now on.",
        ["campaign"], ["denial_of_service"], _A, outcome=_SUCCESSFUL, severity=2,
        techniques=["T1498"], organisations=["eicc", "vcsa"], victims=[GREEN_PATH],
        duration_hours=0.7),
    DemoReport(
        "team-vell", 6.3, "Campaign manager's phone number published with false claims",
        "A post published the campaign manager's private phone number, claiming she buys "
        "votes. She has since received dozens of abusive calls.",
        ["campaign"], ["threats_harassment", "data_exposure"], TLP.RED, outcome=_SUCCESSFUL,
        severity=4, users=["coordinator", "reporter-police-cyber"], victims=[TEAM_VELL],
        observables=[_observable("phone", "+44 20 7946 0512")]),
    # --- Election bodies and their systems -----------------------------------------
    DemoReport(
        "vcsa", 58.2, "Scanning and login attempts against the voter-registration portal "
        "blocked",
        "For two days, a rented server range scanned the public voter-registration portal and "
        "tried default administrator passwords. The web application firewall blocked every "
        "attempt; nothing was reached.",
        ["voter_registration"], ["election_technology_vulnerability"], _A, outcome=_ATTEMPTED,
        severity=2, confidence=_HIGH, techniques=["T1595", "T1190"],
        groups=["election-security"], observables=[_observable("ipv4", "192.0.2.77")],
        duration_hours=48, status=Status.CLOSED,
        closed_reason="Blocked; the range is on the agency's block list."),
    DemoReport(
        "cec-south", 50.4, "Password spraying against a regional registration officer",
        "The account of our regional registration officer saw 400 failed logins in one night. "
        "The second factor held; the officer agreed that partners may know it was her account.",
        ["voter_registration"], ["account_compromise"], _AS, outcome=_ATTEMPTED, severity=3,
        confidence=_HIGH, techniques=["T1110"], organisations=["eicc", "vcsa"],
        victims=[SOUTH_REGISTRATION_OFFICER],
        observables=[_observable("ipv4", "198.51.100.61")]),
    DemoReport(
        "vcsa", 44.6, "Candidate-registration portal overwhelmed on the filing deadline",
        "The commission's candidate-registration portal was unreachable for 45 minutes on the "
        "last day for filing, under a flood of traffic from a botnet. The deadline was extended "
        "by three hours.",
        ["party_candidate_registration"], ["denial_of_service"], _A, outcome=_SUCCESSFUL,
        severity=4, confidence=_HIGH, techniques=["T1498"], groups=["election-security"],
        observables=[_observable("ipv6", "2001:db8:4a::17")], duration_hours=0.75),
    DemoReport(
        "lantern", 40.2, "Booby-trapped 'nomination form' sent to candidates",
        "A document named 'Nomination form — final version' was e-mailed to at least twelve "
        "candidates. Opening it installs a keylogger. Our customers' filters caught the "
        "copies we know of.",
        ["party_candidate_registration"], ["malware", "phishing"], _A, outcome=_ATTEMPTED,
        severity=3, confidence=_HIGH, techniques=["T1566.001"],
        groups=["election-security"],
        observables=[_observable(
            "sha256", "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d")]),
    DemoReport(
        "cec", 57.4, "Draft boundary map shared before publication",
        "A draft of the new constituency map was posted online a week before its official "
        "publication. It came from a shared folder whose link had been forwarded outside the "
        "commission.",
        ["legal_framework"], ["data_exposure"], _AS, outcome=_SUCCESSFUL, severity=2,
        organisations=["eicc"], status=Status.CLOSED,
        closed_reason="Folder permissions fixed; the map was published early."),
    DemoReport(
        "interior", 59.1, "Ballot-printing procurement portal probed",
        "Someone tried known exploits against the ministry's procurement portal the day the "
        "ballot-printing tender opened. The portal was patched; no data left it.",
        ["planning_budgeting"], ["election_technology_vulnerability"], _A, outcome=_ATTEMPTED,
        severity=2, techniques=["T1190"], organisations=["eicc", "cec", "vcsa"]),
    DemoReport(
        "cec", 16.5, "Flaw found in the results website during the pre-election test",
        "The public test of the results website showed that a cached page could show figures "
        "from the wrong district for up to a minute. The vendor has a fix; a retest is "
        "planned.",
        ["counting_results"], ["election_technology_vulnerability"], _AS, severity=4,
        confidence=_HIGH, organisations=["eicc", "vcsa"]),
    DemoReport(
        "bastion", 14.1, "Attempted access to the tabulation vendor's remote access blocked",
        "Logins with stolen credentials of a former employee were tried against the tabulation "
        "vendor's remote-access gateway. The account had been disabled; no access followed.",
        ["counting_results"], ["account_compromise", "election_technology_vulnerability"], _A,
        outcome=_ATTEMPTED, severity=4, confidence=_HIGH, techniques=["T1078", "T1110.004"],
        groups=["election-security"], victims=[TABULATION_VENDOR],
        observables=[_observable("ipv4", "198.51.100.99")]),
    DemoReport(
        "vcsa", 2.2, "Phishing wave spoofing the commission to polling-station staff blocked",
        "About 900 polling-station staff were sent an e-mail asking them to 'confirm their "
        "training' on a fake commission page. The commission's mail gateway blocked the wave; "
        "we are checking other mail providers.",
        ["training_voter_education", "voting_operations"], ["phishing"], _AS,
        outcome=_ATTEMPTED, severity=3, confidence=_HIGH, techniques=["T1566.002"],
        organisations=["cec", "eicc"],
        observables=[_domain("cec-training-portal.example"),
                     _observable("email", "training@cec-training-portal.example")]),
    DemoReport(
        "eicc", 5.4, "Hoax bomb threats e-mailed to three polling venues",
        "Three schools that will serve as polling stations received the same e-mailed bomb "
        "threat. Police searched the buildings and found nothing.",
        ["voting_operations"], ["physical_security_incident", "threats_harassment"], _A,
        outcome=_ATTEMPTED, severity=4, organisations=["interior", "police-cyber", "cec"],
        observables=[_observable("email", "justice.now@mailbox-anon.example")]),
    DemoReport(
        "police-cyber", 7.2, "Threatening text messages to polling-station staff in the North",
        "Presiding officers in the Northern region received text messages saying they would be "
        "'arrested for fraud' if they count ballots. All came from one number, used for nothing "
        "else.",
        ["voting_operations", "training_voter_education"], ["threats_harassment"], _AS,
        outcome=_SUCCESSFUL, severity=4, organisations=["eicc", "cec-north"],
        victims=[NORTH_PRESIDING_OFFICERS],
        observables=[_observable("phone", "+44 20 7946 0501")]),
    DemoReport(
        "cec-north", 56.2, "Fake registration-deadline notices in Northern towns",
        "Posters in four Northern towns give a registration deadline two weeks earlier than "
        "the real one. The real deadline is on our website and at every town hall.",
        ["voter_registration"], ["voter_suppression", "disinformation_narrative"], TLP.CLEAR,
        outcome=_SUCCESSFUL, severity=3, confidence=_HIGH),
    # --- Narratives, platforms and the public debate --------------------------------
    DemoReport(
        "factdesk", 22.3, "Narrative: 'the ink on ballots disappears'",
        "Videos claim that the pens at polling stations use ink that disappears, so that votes "
        "can be changed. The commission's pens use permanent ink; the videos show a magic "
        "trick pen sold online.",
        ["voting_operations"], ["disinformation_narrative"], TLP.CLEAR, outcome=_SUCCESSFUL,
        severity=3, confidence=_HIGH, techniques=["T0087.002"],
        observables=[_observable("hashtag", "#DisappearingInk")]),
    DemoReport(
        "factdesk", 45.2, "Doctored photo of a queue at candidate registration",
        "A photo of a long queue at the commission, shared as 'proof' that only one party's "
        "candidates were admitted, was edited: the banner was added.",
        ["party_candidate_registration"], ["disinformation_narrative"], TLP.GREEN,
        outcome=_SUCCESSFUL, severity=2, techniques=["T0086.003"]),
    DemoReport(
        "streamly", 26.3, "Fake video of the commission chair announcing a postponed election",
        "A synthetic video shows the chair of the commission announcing that the election is "
        "postponed by a month. It was viewed 40,000 times before removal.",
        ["voting_operations", "training_voter_education"], ["impersonation",
                                                            "disinformation_narrative"], _A,
        outcome=_SUCCESSFUL, severity=5, confidence=_HIGH, techniques=["T0087.001"],
        organisations=["eicc", "cec"], victims=[COMMISSION_CHAIR]),
    DemoReport(
        "friendnet", 11.4, "New pages seed a 'stolen election' story before the vote",
        "A cluster of pages created this month post, every evening, that the results 'are "
        "already written'. Several share administrators with the pages removed last month.",
        ["post_election", "counting_results"], ["disinformation_narrative",
                                                "coordinated_inauthentic_behaviour"],
        TLP.GREEN, severity=3, techniques=["T0049.003", "T0085"]),
    DemoReport(
        "chirp", 1.3, "The 'vote by text' network returns under new names",
        "Forty accounts re-registered after the first removal post the same claims with new "
        "pictures. They are removed; we publish this in our transparency report.",
        ["voting_operations"], ["coordinated_inauthentic_behaviour", "voter_suppression"],
        TLP.CLEAR, outcome=_SUCCESSFUL, severity=3, confidence=_HIGH,
        techniques=["T0049.003"], observables=[_observable("hashtag", "#VoteBySMS")],
        override_reason="Published in Chirp's public transparency report; the coordination "
                        "centre agreed to publication."),
    DemoReport(
        "chirp", 35.1, "Chirp tightens political-advertising rules for the election",
        "From today until results are certified, political ads on Chirp need a verified "
        "advertiser and appear in the public ad library for seven years.",
        ["campaign"], ["platform_policy_change"], TLP.CLEAR, severity=1, confidence=_HIGH),
    DemoReport(
        "open-net", 52.2, "Proposed amendment would let sites be blocked without a judge",
        "A draft amendment to the electoral law would let the commission order websites blocked "
        "during the campaign without review by a court. We have published our comments.",
        ["legal_framework"], ["legal_regulatory_change"], TLP.CLEAR, severity=2),
    DemoReport(
        "uv-digital", 31.2, "Study: a third of replies to party accounts come from new accounts",
        "Of 120,000 replies to the main parties' accounts in one month, 34% came from accounts "
        "created this year, against 9% in the last election. The share is highest under posts "
        "about registration.",
        ["campaign", "voter_registration"], ["coordinated_inauthentic_behaviour"], TLP.GREEN,
        severity=2, confidence=Confidence.MEDIUM),
    DemoReport(
        "vsis", 53.1, "Foreign money behind a 'civic education' network",
        "A network presenting itself as non-partisan civic education received payments from a "
        "foreign state-linked foundation through two intermediary companies.",
        ["training_voter_education", "planning_budgeting"], ["covert_foreign_funding"],
        TLP.RED, severity=4, confidence=Confidence.MEDIUM, users=["coordinator"]),
    DemoReport(
        "reom", 9.2, "Fake 'observer statement' claiming fraud drafted in advance",
        "A document styled as our mission's statement, declaring the count fraudulent, is "
        "circulating privately before polling day. We issued no such statement.",
        ["post_election"], ["impersonation", "disinformation_narrative"], _A,
        outcome=_ATTEMPTED, severity=4, organisations=["eicc", "cec"]),
    DemoReport(
        "vpb", 18.2, "Broadcaster's website defaced with a fake results graphic",
        "For twenty minutes our news site showed a 'results' graphic giving a landslide to one "
        "party, weeks before the vote. The content system's plug-in was exploited.",
        ["counting_results"], ["website_defacement"], _A, outcome=_SUCCESSFUL, severity=3,
        techniques=["T1491.002"], organisations=["eicc", "cec", "vcsa"], duration_hours=0.33),
]

PUBLIC_TIPS: list[tuple[str, str]] = [
    ("I got a text saying I can vote by SMS this year and to sign up at "
     "vote-info-veridia[.]com. Is this real? My neighbours got it too.", ""),
    ("A man at the Portvale market gave out flyers saying our polling station moved to the "
     "sports hall. The town hall says nothing has changed.", "+44 20 7946 0777"),
    ("My grandmother got a phone call from someone saying they were from the Electoral "
     "Commission and asking for her ID card number to 'confirm her registration'.",
     "a.reader@mail.example"),
]


def _reporters(actor: Any, organisations: dict[str, Organisation],
               progress: Progress | None) -> dict[str, User]:
    """One account per reporting organisation, by slug; created (analyst, no usable
    password: they author records, nobody signs in as them) where the demo has none. The
    police cybercrime unit's is named in RED reports."""
    needed = {report.organisation for report in REPORTS} | {"police-cyber"}
    usernames = {slug: _EXISTING_REPORTERS.get(slug, f"reporter-{slug}") for slug in needed}
    existing = {user.username: user
                for user in User.objects.filter(username__in=list(usernames.values()))}
    reporters: dict[str, User] = {}
    for done, slug in enumerate(sorted(needed), start=1):
        user = existing.get(usernames[slug])
        if user is None:
            user = directory_services.create_user(
                actor=actor, username=usernames[slug], organisation=organisations[slug],
                role=Role.ANALYST, email=f"{usernames[slug]}@{slug}.veridia.example",
                usable_password=False).user
        reporters[slug] = user
        if progress:
            progress("reporting accounts", done, len(needed))
    return reporters


def _known_techniques(actor: Any) -> set[str]:
    return set(terms_visible_to(
        actor, vocabularies=["disarm", "attack"], kinds=("technique", "sub-technique"),
    ).values_list("code", flat=True))


def _pick(found: dict[str, Any], slugs: Sequence[str]) -> list[Any]:
    return [found[slug] for slug in slugs]


def load(*, actor: Any, progress: Progress | None = None) -> None:
    """Create Veridia's sharing groups, agreements, reports and public tips.

    Needs the directory (demo.directory.load) and the built-in vocabularies. Techniques are
    kept only where the DISARM and ATT&CK vocabularies are loaded. Does nothing when the
    demo's sharing groups exist already.
    """
    if SharingGroup.objects.filter(slug=GROUPS[0][0]).exists():
        return
    organisations = {o.slug: o for o in Organisation.objects.all()}
    contacts = {c.name: c for c in Contact.objects.filter(
        name__in=[a.contact for a in AGREEMENTS])}
    information_types = {term.code: term for term in terms_visible_to(
        actor, vocabularies=["information-types"])}

    groups: dict[str, SharingGroup] = {}
    for slug, name, description, members in GROUPS:
        groups[slug] = sharing_services.create_sharing_group(
            actor=actor, slug=slug, name=name, description=description,
            organisations=_pick(organisations, members))
    if progress:
        progress("sharing groups", len(GROUPS), len(GROUPS))

    for done, agreement in enumerate(AGREEMENTS, start=1):
        sharing_services.create_agreement(
            actor=actor, slug=agreement.slug, name=agreement.name, purpose=agreement.purpose,
            provider_sectors=agreement.provider_sectors,
            providers=_pick(organisations, agreement.providers),
            information_types=_pick(information_types, agreement.information_types),
            recipient_organisations=_pick(organisations, agreement.recipient_organisations),
            recipient_groups=_pick(groups, agreement.recipient_groups),
            default_tlp=agreement.default_tlp, widest_tlp=agreement.widest_tlp,
            hours_to_share=agreement.hours_to_share, contact=contacts.get(agreement.contact))
        if progress:
            progress("sharing agreements", done, len(AGREEMENTS))

    reporters = _reporters(actor, organisations, progress)
    accounts = {user.username: user for user in reporters.values()}
    techniques = _known_techniques(actor)
    now = timezone.now()
    total = len(REPORTS) + len(PUBLIC_TIPS)
    for done, item in enumerate(REPORTS, start=1):
        observed_start = now - timedelta(days=item.days_ago)
        observed_end = (observed_start + timedelta(hours=item.duration_hours)
                        if item.duration_hours else None)
        report = report_services.create_report(
            actor=reporters[item.organisation],
            data=report_services.ReportInput(
                title=item.title, description=item.description,
                observed_start=observed_start, observed_end=observed_end,
                phases=item.phases, information_types=item.information_types,
                techniques=[code for code in item.techniques if code in techniques],
                outcome=item.outcome, severity=item.severity, confidence=item.confidence,
                tlp=item.tlp,
                audience_organisations=_pick(organisations, item.organisations),
                audience_groups=_pick(groups, item.groups),
                audience_users=_pick(accounts, item.users),
                victims=item.victims, observables=item.observables,
                override_reason=item.override_reason,
            ),
        )
        if item.status != Status.NEW:
            report_services.set_status(actor=actor, report=report, status=item.status,
                                       reason=item.closed_reason)
        if progress:
            progress("reports", done, total)
    for done, (description, contact) in enumerate(PUBLIC_TIPS, start=len(REPORTS) + 1):
        report_services.submit_public_tip(description=description, contact=contact)
        if progress:
            progress("reports", done, total)
