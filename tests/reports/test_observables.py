"""Observables: what is found in a report's text, and that equal things compare equal."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicshield.reports import observables
from civicshield.reports.observables import (
    TYPES,
    Extracted,
    InvalidObservable,
    extract,
    extract_list,
    normalise,
    refang,
)

# Each row: text as a reporter would paste it → every (type, canonical value) found, in order.
CORPUS: list[tuple[str, list[tuple[str, str]]]] = [
    # Defanged URLs and domains.
    ("Phishing page hxxps://vote-info-veridia[.]com/login seen today.",
     [("url", "https://vote-info-veridia.com/login")]),
    ("hXXp://Vote-Info-Veridia(.)com/register",
     [("url", "http://vote-info-veridia.com/register")]),
    ("Link: hxxps[://]results-veridia[.]example/live",
     [("url", "https://results-veridia.example/live")]),
    ("hxxps[:]//ballot-veridia[dot]example/check?id=7",
     [("url", "https://ballot-veridia.example/check?id=7")]),
    ("Domain ballot-veridia{.}example was registered last week.",
     [("domain", "ballot-veridia.example")]),
    ("The site vote-info-veridia [dot] com copies the commission's design.",
     [("domain", "vote-info-veridia.com")]),
    ("Sender used elections-veridia(dot)example and VOTE-INFO-VERIDIA.COM.",
     [("domain", "elections-veridia.example"), ("domain", "vote-info-veridia.com")]),
    # IDN domains and URLs.
    ("Lookalike shop at bücher.example sells 'ballots'.",
     [("domain", "xn--bcher-kva.example")]),
    ("https://Bücher.Example/Wahl",
     [("url", "https://xn--bcher-kva.example/Wahl")]),
    ("Cyrillic twin: выборы-веридия.рф",
     [("domain", "xn----9sbcckfvb2cud9jd7d.xn--p1ai")]),
    # Tracking parameters, default ports, trailing dots, fragments.
    ("https://vote-info-veridia.com/news?utm_source=fb&utm_medium=post&article=12&fbclid=IwAR0x",
     [("url", "https://vote-info-veridia.com/news?article=12")]),
    ("http://vote-info-veridia.com:80/?gclid=abc", [("url", "http://vote-info-veridia.com/")]),
    ("https://vote-info-veridia.com.:443/a?b=1&mc_eid=9&c=2#section-3",
     [("url", "https://vote-info-veridia.com/a?b=1&c=2")]),
    ("Mirror on a custom port: https://results-veridia.example:8443/tally",
     [("url", "https://results-veridia.example:8443/tally")]),
    ("Shared as https://www.instagram.com/p/C0deXyZ/?igshid=MzRlODBiNWFlZA==",
     [("url", "https://www.instagram.com/p/C0deXyZ/")]),
    ("(see https://vote-info-veridia.com/faq).",
     [("url", "https://vote-info-veridia.com/faq")]),
    ("[the form](https://forms.example/veridia-poll?ref_src=twsrc)",
     [("url", "https://forms.example/veridia-poll")]),
    ("http://192.0.2.44/payload and http://[2001:DB8::0:1]:80/x",
     [("url", "http://192.0.2.44/payload"), ("url", "http://[2001:db8::1]/x")]),
    # IP addresses.
    ("Traffic from 198.51.100.23 and 203.0.113.9 hit the results server.",
     [("ipv4", "198.51.100.23"), ("ipv4", "203.0.113.9")]),
    ("Defanged IP 198[.]51[.]100[.]7 in the leak.", [("ipv4", "198.51.100.7")]),
    ("IPv6 source 2001:DB8:0000:0000:0000:0000:0000:0042 again",
     [("ipv6", "2001:db8::42")]),
    ("Mapped ::ffff:192.0.2.128 and loopback ::1.",
     [("ipv6", "::ffff:192.0.2.128"), ("ipv6", "::1")]),
    ("Address fe80::1ff:fe23:4567:890a on the LAN", [("ipv6", "fe80::1ff:fe23:4567:890a")]),
    # Emails.
    ("Write to Press.Office@Vote-Info-Veridia.COM for 'accreditation'.",
     [("email", "press.office@vote-info-veridia.com")]),
    ("Spoofed sender commission[at]elections-veridia[.]example",
     [("email", "commission@elections-veridia.example")]),
    ("Contact: info(at)bücher.example", [("email", "info@xn--bcher-kva.example")]),
    ("From: Returning Officer <Returning.Officer@Veridia-Votes.example>",
     [("email", "returning.officer@veridia-votes.example")]),
    # Hashes of each length; a hex string inside a URL is not a hash.
    ("MD5 of the attachment: 9E107D9D372BB6826BD81D3542A419D6",
     [("md5", "9e107d9d372bb6826bd81d3542a419d6")]),
    ("sha1=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
     [("sha1", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")]),
    ("SHA-256: D7A8FBB307D7809469CA9ABCB0082E4F8D5651E46D3CDB762D02D0BF37C9E592",
     [("sha256", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")]),
    ("https://files.example/dl/9e107d9d372bb6826bd81d3542a419d6",
     [("url", "https://files.example/dl/9e107d9d372bb6826bd81d3542a419d6")]),
    # Phone numbers.
    ("Robocalls came from +44 20 7946 0018.", [("phone", "+442079460018")]),
    ("Call 0044 20 7946 0999 or +44 (0)20 7946 0123 to 'confirm your vote'.",
     [("phone", "+442079460999"), ("phone", "+442079460123")]),
    ("WhatsApp +44-20-7946-0456", [("phone", "+442079460456")]),
    # Social media accounts: profile URLs give the URL and the account.
    ("https://x.com/Veridia_Truth", [("url", "https://x.com/Veridia_Truth"),
                                     ("social_account", "x:veridia_truth")]),
    ("https://twitter.com/Veridia_Truth/status/1790000000000000000?s=20&t=AbC",
     [("url", "https://twitter.com/Veridia_Truth/status/1790000000000000000"),
      ("social_account", "x:veridia_truth")]),
    ("Channel t.me/VeridiaLeaks posts fake results",
     [("url", "https://t.me/VeridiaLeaks"), ("social_account", "telegram:veridialeaks")]),
    ("https://www.tiktok.com/@veridia.today/video/7300000000000000000?is_from_webapp=1",
     [("url", "https://www.tiktok.com/@veridia.today/video/7300000000000000000"),
      ("social_account", "tiktok:veridia.today")]),
    ("https://www.youtube.com/@VeridiaNewsTV/videos",
     [("url", "https://www.youtube.com/@VeridiaNewsTV/videos"),
      ("social_account", "youtube:veridianewstv")]),
    ("https://youtube.com/channel/UCabcdefghijklmnopqrstuv",
     [("url", "https://youtube.com/channel/UCabcdefghijklmnopqrstuv"),
      ("social_account", "youtube:UCabcdefghijklmnopqrstuv")]),
    ("https://www.facebook.com/profile.php?id=100012345678901",
     [("url", "https://www.facebook.com/profile.php?id=100012345678901"),
      ("social_account", "facebook:100012345678901")]),
    ("https://bsky.app/profile/Veridia-Watch.bsky.social",
     [("url", "https://bsky.app/profile/Veridia-Watch.bsky.social"),
      ("social_account", "bluesky:veridia-watch.bsky.social")]),
    ("https://www.reddit.com/user/Veridia_Mod/ and u/Ballot_Bot",
     [("url", "https://www.reddit.com/user/Veridia_Mod/"),
      ("social_account", "reddit:veridia_mod"), ("social_account", "reddit:ballot_bot")]),
    ("https://vk.com/veridia_za_pravdu", [("url", "https://vk.com/veridia_za_pravdu"),
                                          ("social_account", "vk:veridia_za_pravdu")]),
    ("https://www.linkedin.com/in/Jane-Veridia-Comms/",
     [("url", "https://www.linkedin.com/in/Jane-Veridia-Comms/"),
      ("social_account", "linkedin:jane-veridia-comms")]),
    ("https://www.threads.net/@veridia.votes",
     [("url", "https://www.threads.net/@veridia.votes"),
      ("social_account", "threads:veridia.votes")]),
    ("https://mastodon.social/@VeridiaFacts",
     [("url", "https://mastodon.social/@VeridiaFacts"),
      ("social_account", "mastodon:veridiafacts@mastodon.social")]),
    # A URL that is not a profile gives only the URL.
    ("https://x.com/search?q=veridia", [("url", "https://x.com/search?q=veridia")]),
    # @mentions, with and without platform context.
    ("Reposted by @Ballot_Watch and @veridia.news.", [
        ("social_account", "unknown:ballot_watch"), ("social_account", "unknown:veridia.news")]),
    ("Telegram channel @VeridiaLeaks forwarded it",
     [("social_account", "telegram:veridialeaks")]),
    ("The clip was pushed by @Veridia_Today on TikTok",
     [("social_account", "tiktok:veridia_today")]),
    ("On X, @Veridia_Truth claimed victory", [("social_account", "x:veridia_truth")]),
    ("Follow @VeridiaFacts@Mastodon.Social for updates",
     [("social_account", "mastodon:veridiafacts@mastodon.social")]),
    # Hashtags in several scripts.
    ("#VeridiaVotes2025 #StopTheSteal", [("hashtag", "#veridiavotes2025"),
                                         ("hashtag", "#stopthesteal")]),
    # Casefolding turns the Greek final sigma into the medial one, as upper case would.
    ("Trending: #ÉlectionsVeridia, #Выборы and #Εκλογές",
     [("hashtag", "#électionsveridia"), ("hashtag", "#выборы"), ("hashtag", "#εκλογέσ")]),
    ("#चुनाव2025 #選挙 #انتخابات", [("hashtag", "#चुनाव2025"), ("hashtag", "#選挙"),
                                 ("hashtag", "#انتخابات")]),
    ("Item #12 of the list is not a hashtag, C# is not either.", []),
    # Message-IDs.
    ("Message-ID: <20250301.1234@Mail.Vote-Info-Veridia.COM>",
     [("message_id", "<20250301.1234@mail.vote-info-veridia.com>")]),
    ("In-Reply-To: <CAF=xyz123+ab@mail.gmail.com>",
     [("message_id", "<CAF=xyz123+ab@mail.gmail.com>")]),
    ("The lure quoted <a1b2c3d4e5f6a7b8c9d0e1f2@smtp.Veridia.example> in its header",
     [("message_id", "<a1b2c3d4e5f6a7b8c9d0e1f2@smtp.veridia.example>")]),
    # Ad identifiers.
    ("Ad ID: 1234567890123456 ran for three days",
     [("ad_id", "unknown:1234567890123456")]),
    ("Meta ad library id 987654321098765", [("ad_id", "facebook:987654321098765")]),
    ("Library ID: 555444333222111 on Facebook", [("ad_id", "facebook:555444333222111")]),
    ("https://www.facebook.com/ads/library/?active_status=all&id=1122334455667788",
     [("url", "https://www.facebook.com/ads/library/?active_status=all&id=1122334455667788"),
      ("ad_id", "facebook:1122334455667788")]),
    ("https://library.tiktok.com/ads/detail/?ad_id=7333000000000000001",
     [("url", "https://library.tiktok.com/ads/detail/?ad_id=7333000000000000001"),
      ("ad_id", "tiktok:7333000000000000001")]),
    # Several kinds in one report, duplicates reported once, first appearance first.
    ("Seen vote-info-veridia.com twice: vote-info-veridia.com and VOTE-INFO-VERIDIA.COM. "
     "Then mail from press@vote-info-veridia.com and https://vote-info-veridia.com/x",
     [("domain", "vote-info-veridia.com"), ("email", "press@vote-info-veridia.com"),
      ("url", "https://vote-info-veridia.com/x")]),
    # False positives that must not be found.
    ("Please read report.pdf and index.html, e.g. the annex.", []),
    ("The meeting is at 12:30 or 14:45:00, router MAC 00:1a:2b:3c:4d:5e.", []),
    ("Upgrade from v1.2.3 to 2.0 before 10.05.2025", []),
    ("README.md, setup.py and main.rs are attached", []),
    ("Veridia.It was a long night.", []),
]


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[text[:40] for text, _ in CORPUS])
def test_corpus_extracts_exactly_the_expected_observables(
        text: str, expected: list[tuple[str, str]]) -> None:
    assert [(item.type, item.value) for item in extract(text)] == expected


def test_corpus_is_large_enough_to_mean_something() -> None:
    assert len(CORPUS) >= 50


def test_every_extracted_value_is_already_canonical() -> None:
    for text, _expected in CORPUS:
        for item in extract(text):
            assert normalise(item.type, item.value) == item.value, item


# --------------------------------------------------------------------------- equality


@pytest.mark.parametrize(("type", "variants"), [
    ("url", ["HXXPS://Vote-Info-Veridia[.]com:443/?utm_source=x#top",
             "https://vote-info-veridia.com/",
             "https://VOTE-INFO-VERIDIA.COM.",
             "https://vote-info-veridia.com:443?fbclid=IwAR",
             "vote-info-veridia.com/"]),
    ("url", ["https://xn--bcher-kva.example/%7Euser?a=1", "https://BÜCHER.example/~user?a=1",
             "https://bücher.example:443/%7euser?utm_campaign=z&a=1#frag"]),
    ("url", ["https://results-veridia.example/caf%c3%a9", "https://results-veridia.example/café"]),
    ("domain", ["bücher.example", "BÜCHER.EXAMPLE.", "xn--bcher-kva.example",
                "bücher[.]example"]),
    ("ipv4", ["198.51.100.23", " 198[.]51[.]100[.]23 "]),
    ("ipv6", ["2001:db8::1", "2001:DB8:0:0:0:0:0:1", "[2001:0db8::0001]"]),
    ("email", ["Press@Vote-Info-Veridia.com", "press@VOTE-INFO-VERIDIA.COM",
               "press[at]vote-info-veridia[.]com", "mailto:PRESS@vote-info-veridia.com"]),
    ("md5", ["9E107D9D372BB6826BD81D3542A419D6", "9e107d9d372bb6826bd81d3542a419d6"]),
    ("phone", ["+44 20 7946 0018", "0044 20 7946 0018", "+44 (0)20 7946 0018",
               "tel:+44-20-7946-0018", "+442079460018"]),
    ("social_account", ["https://twitter.com/Veridia_Truth", "https://x.com/veridia_truth",
                        "x:Veridia_Truth", "twitter:@veridia_truth",
                        "https://mobile.twitter.com/VERIDIA_TRUTH/status/1"]),
    ("social_account", ["t.me/VeridiaLeaks", "https://telegram.me/s/veridialeaks",
                        "telegram:@VeridiaLeaks", "tg:veridialeaks"]),
    ("social_account", ["@Ballot_Watch", "unknown:ballot_watch"]),
    ("hashtag", ["#VeridiaVotes", "#veridiavotes", "\uff03VERIDIAVOTES", "VeridiaVotes"]),
    ("hashtag", ["#Straße", "#STRASSE"]),
    ("hashtag", ["#Élection", "#E\u0301lection"]),
    ("message_id", ["<abc.123@Mail.Example>", "abc.123@mail.example",
                    "Message-ID: <abc.123@MAIL.EXAMPLE>"]),
    ("ad_id", ["Ad ID: 1122334455667788 on Meta", "facebook:1122334455667788",
               "meta:1122334455667788", "instagram:1122334455667788",
               "https://www.facebook.com/ads/library/?id=1122334455667788"]),
])
def test_equal_things_compare_equal(type: str, variants: list[str]) -> None:
    canonical = {normalise(type, variant) for variant in variants}
    assert len(canonical) == 1, canonical


def test_defanged_url_with_default_port_tracking_and_fragment_equals_the_plain_url() -> None:
    assert (normalise("url", "HXXPS://Vote-Info-Veridia[.]com:443/?utm_source=x#top")
            == normalise("url", "https://vote-info-veridia.com/")
            == "https://vote-info-veridia.com/")


def test_url_keeps_its_remaining_query_parameters_in_their_original_order() -> None:
    value = "https://forms.example/p?z=1&utm_term=q&a=2&si=abc&m=3"
    assert normalise("url", value) == "https://forms.example/p?z=1&a=2&m=3"


def test_url_keeps_path_case_and_a_non_default_port() -> None:
    assert (normalise("url", "HTTP://Results-Veridia.Example:8080/Tally/Round2")
            == "http://results-veridia.example:8080/Tally/Round2")


def test_share_parameters_are_dropped_only_on_the_platform_that_uses_them() -> None:
    assert normalise("url", "https://x.com/a/status/1?s=20") == "https://x.com/a/status/1"
    assert (normalise("url", "https://shop.example/item?s=20")
            == "https://shop.example/item?s=20")


def test_ipv4_mapped_address_stays_ipv6() -> None:
    assert normalise("ipv6", "::FFFF:c000:0280") == "::ffff:192.0.2.128"


def test_normalise_accepts_every_documented_type() -> None:
    examples = {
        "url": "https://vote-info-veridia.com/", "domain": "vote-info-veridia.com",
        "ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "email": "a@vote-info-veridia.com",
        "md5": "0" * 32, "sha1": "a" * 40, "sha256": "f" * 64, "phone": "+442079460000",
        "social_account": "x:veridia", "hashtag": "#veridia",
        "message_id": "<a@b.example>", "ad_id": "tiktok:1234567",
    }
    assert set(examples) == set(TYPES)
    for type, value in examples.items():
        assert normalise(type, value) == value


# --------------------------------------------------------------------------- invalid values


@pytest.mark.parametrize(("type", "value", "message"), [
    ("ipv4", "300.1.2.3", "ipv4: 300.1.2.3 is not a valid IPv4 address"),
    ("ipv4", "01.2.3.4", "ipv4: 01.2.3.4 is not a valid IPv4 address"),
    ("ipv6", "2001:db8::g1", "ipv6: 2001:db8::g1 is not a valid IPv6 address"),
    ("ipv6", "12:30", "ipv6: 12:30 is not a valid IPv6 address"),
    ("domain", "localhost", "domain: localhost has no top-level domain"),
    ("domain", "vote-info-veridia.c0m", "domain: vote-info-veridia.c0m ends in 'c0m'"),
    ("domain", "-bad-.example", "domain: -bad-.example is not a valid domain name"),
    ("domain", "vote info.example", "domain: vote info.example is not a valid domain name"),
    ("email", "no-at-sign.example", "email: no-at-sign.example is not a valid email address"),
    ("email", "press@localhost", "email: press@localhost has no top-level domain"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427", "md5: d41d8cd98f00b204e9800998ecf8427 has 31"),
    ("sha1", "z" * 40, "sha1: " + "z" * 40 + " is not hexadecimal"),
    ("sha256", "ab" * 16, "has 32 hex digits, not 64"),
    ("phone", "020 7946 0018", "phone: 020 7946 0018 needs an international prefix"),
    ("phone", "+44 20 79", "phone: +44 20 79 is not a valid phone number"),
    ("url", "https://", "url: https:// has no host"),
    ("url", "https://vote-info-veridia.com:99999/", "url: https://vote-info-veridia.com:99999/"),
    ("social_account", "myspace:someone", "social_account: myspace:someone names an unknown"),
    ("social_account", "telegram:abc", "social_account: telegram:abc is not a valid telegram"),
    ("social_account", "https://x.com/search?q=a", "is not the address of a known platform"),
    ("social_account", "mastodon:nobody", "is not a Mastodon address"),
    ("hashtag", "#2025", "hashtag: #2025 has no letter"),
    ("hashtag", "#two words", "hashtag: #two words is not a hashtag"),
    ("message_id", "<no-at-sign>", "message_id: <no-at-sign> is not a Message-ID"),
    ("ad_id", "Ad ID: twelve", "ad_id: Ad ID: twelve is not an ad id"),
    ("ad_id", "youtube:1234567", "names a platform without an ad library"),
    ("not-a-type", "x", "not-a-type: is not an observable type"),
])
def test_malformed_values_raise_invalid_observable_naming_the_type(
        type: str, value: str, message: str) -> None:
    with pytest.raises(InvalidObservable) as raised:
        normalise(type, value)
    assert str(raised.value).startswith(f"{type}: ")
    assert message in str(raised.value)


def test_invalid_observable_is_a_value_error() -> None:
    assert issubclass(InvalidObservable, ValueError)


# --------------------------------------------------------------------------- false positives


@pytest.mark.parametrize("text", [
    "See the attached report.pdf and index.html.",
    "Details are in notes.txt, data.json and photo.jpg.",
    "This is common, e.g. in rural areas, i.e. everywhere.",
    "Polls close at 20:00 and results come at 23:15:30.",
    "Released in version 2.1.0 on 2025-03-01T12:30:00Z.",
    "Device 00:1A:2B:3C:4D:5E:6F:70 joined the network.",
    "Order number 1234567890123456789012345678901234 is a number, not a hash.",
    "The parcel weighs 1.5 kg and costs 12.50.",
    "Class::method and std::vector are code, not addresses.",
    "Call the local office on 020 7946 0000.",
])
def test_prose_without_observables_yields_nothing(text: str) -> None:
    assert extract(text) == []


def test_a_valid_dotted_version_string_is_reported_as_ipv4_only_if_valid() -> None:
    assert [(item.type, item.value) for item in extract("version 1.2.3.4 and 1.2.3.400")] == [
        ("ipv4", "1.2.3.4")]


def test_a_urls_host_is_reported_as_a_domain_only_where_it_appears_on_its_own() -> None:
    found = extract("https://vote-info-veridia.com/a then, later, vote-info-veridia.com itself")
    assert [(item.type, item.value) for item in found] == [
        ("url", "https://vote-info-veridia.com/a"), ("domain", "vote-info-veridia.com")]


def test_an_emails_domain_is_not_a_separate_domain() -> None:
    assert [item.type for item in extract("mail a@vote-info-veridia.com now")] == ["email"]


def test_original_keeps_the_text_as_written_including_defanging() -> None:
    found = extract("Go to hxxps://vote-info-veridia[.]com/x now")
    assert found == [Extracted("url", "https://vote-info-veridia.com/x",
                               "hxxps://vote-info-veridia[.]com/x")]


def test_duplicates_keep_the_first_original() -> None:
    found = extract("VOTE-INFO-VERIDIA.COM and vote-info-veridia.com")
    assert found == [Extracted("domain", "vote-info-veridia.com", "VOTE-INFO-VERIDIA.COM")]


# --------------------------------------------------------------------------- refang


@pytest.mark.parametrize(("defanged", "plain"), [
    ("hxxp://a.example", "http://a.example"),
    ("hXXps://a.example", "https://a.example"),
    ("a[.]example", "a.example"), ("a(.)example", "a.example"), ("a{.}example", "a.example"),
    ("a[dot]example", "a.example"), ("a(DOT)example", "a.example"),
    ("a [.] example", "a.example"),
    ("https[:]//a.example", "https://a.example"), ("https[://]a.example", "https://a.example"),
    ("user[@]a.example", "user@a.example"), ("user(at)a.example", "user@a.example"),
    ("user [at] a.example", "user@a.example"),
])
def test_refang_undoes_common_defanging(defanged: str, plain: str) -> None:
    assert refang(defanged) == plain


def test_refang_leaves_ordinary_prose_alone() -> None:
    text = "Meet [at] noon (at the hall). The hxxp scheme is fake; see (1) and [2]."
    assert refang(text) == text


# --------------------------------------------------------------------------- pasted lists


def test_pasted_list_returns_observables_and_numbered_rejections() -> None:
    pasted = "\n".join([
        "hxxps://vote-info-veridia[.]com/?utm_source=tg",
        "  198.51.100.23  ",
        "",
        "300.1.2.3",
        "- d41d8cd98f00b204e9800998ecf8427e",
        "1. @Ballot_Watch",
        "report.pdf",
        "https://t.me/VeridiaLeaks",
        "this is a sentence",
        "+44 20 7946 0018,",
        "198.51.100.23",
    ])
    found, rejected = extract_list(pasted)
    assert [(item.type, item.value) for item in found] == [
        ("url", "https://vote-info-veridia.com/"),
        ("ipv4", "198.51.100.23"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("social_account", "unknown:ballot_watch"),
        ("url", "https://t.me/VeridiaLeaks"),
        ("social_account", "telegram:veridialeaks"),
        ("phone", "+442079460018"),
    ]
    assert [number for number, _reason in rejected] == [4, 7, 9]
    assert rejected[0][1] == "ipv4: 300.1.2.3 is not a valid IPv4 address"
    assert "report.pdf" in rejected[1][1] and "top-level domain" in rejected[1][1]
    assert "not a recognised observable" in rejected[2][1]


def test_pasted_list_accepts_one_value_of_every_type() -> None:
    pasted = "\n".join([
        "https://vote-info-veridia.com/", "vote-info-veridia.com", "192.0.2.1",
        "2001:db8::1", "press@vote-info-veridia.com", "0" * 32, "a" * 40, "f" * 64,
        "0044 20 7946 0000", "x:veridia", "#veridia", "<a1@b.example>", "tiktok:1234567",
    ])
    found, rejected = extract_list(pasted)
    assert rejected == []
    assert [item.type for item in found] == list(TYPES)


# --------------------------------------------------------------------------- properties

_LABELS = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True).filter(
    lambda label: label[2:4] != "--")
_DOMAINS = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(_LABELS, min_size=1, max_size=3),
    st.sampled_from(["com", "example", "org", "de", "xn--p1ai", "bücher", "veridia"]),
)
_PATH = st.lists(st.text(alphabet="abcXYZ019-._~ é%/", max_size=6), max_size=3).map(
    lambda parts: "/" + "/".join(parts))
_QUERY = st.lists(st.tuples(st.sampled_from(["a", "B", "utm_source", "fbclid", "q", "si"]),
                            st.text(alphabet="abc12 +é", max_size=4)), max_size=4)


def _url(scheme: str, host: str, port: int | None, path: str,
         query: list[tuple[str, str]]) -> str:
    netloc = host + (f":{port}" if port is not None else "")
    return f"{scheme}://{netloc}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query)
                                            if query else "")


@given(st.one_of(
    st.ip_addresses(v=4).map(lambda address: ("ipv4", str(address))),
    st.ip_addresses(v=6).map(lambda address: ("ipv6", address.exploded.upper())),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=32, max_size=32).map(
        lambda digest: ("md5", digest)),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=64, max_size=64).map(
        lambda digest: ("sha256", digest)),
    st.text(st.characters(categories=["Lu", "Ll", "Lo", "Nd"]), min_size=1, max_size=20)
    .filter(lambda tag: not tag.isdigit()).map(lambda tag: ("hashtag", "#" + tag)),
    _DOMAINS.map(lambda domain: ("domain", domain.upper())),
    st.builds(_url, st.sampled_from(["http", "HTTPS"]), _DOMAINS,
              st.sampled_from([None, 80, 443, 8080]), _PATH, _QUERY).map(
        lambda url: ("url", url)),
    st.integers(min_value=0, max_value=999).map(
        lambda last: ("phone", f"0044 20 7946 {last:04d}")),
))
def test_normalise_is_idempotent(typed_value: tuple[str, str]) -> None:
    type, value = typed_value
    once = normalise(type, value)
    assert normalise(type, once) == once


_REPORT_PIECES = st.sampled_from([
    "a", "Z", "0", "9", ".", ":", "/", "@", "#", "[", "]", "(", ")", "<", ">", "-", "_", "+",
    " ", "\n", "%", "?", "=", "&", "é", "日", "hxxp", "[.]", "(at)", "https://", "www.", ".com",
    "00", "+44 20 7946 ", "::", "t.me/", "x.com/", "Ad ID: 1234567", "ffff", "<m1@x.example>",
])


@given(st.lists(_REPORT_PIECES, max_size=40).map("".join))
def test_extract_never_fails_and_only_returns_canonical_values(text: str) -> None:
    for item in [*extract(text), *extract_list(text)[0]]:
        assert item.type in TYPES
        assert normalise(item.type, item.value) == item.value


@given(st.ip_addresses(v=6))
def test_ipv6_normal_form_is_the_same_address(address: ipaddress.IPv6Address) -> None:
    assert ipaddress.IPv6Address(normalise("ipv6", address.exploded)) == address


def test_types_are_the_documented_codes() -> None:
    assert observables.TYPES == (
        "url", "domain", "ipv4", "ipv6", "email", "md5", "sha1", "sha256", "phone",
        "social_account", "hashtag", "message_id", "ad_id")


@pytest.mark.parametrize("name", [
    "Example.COM", "vote-info.example", "xn--bcher-kva.example", "ab--cd.example",
    "-a.example", "a-.example", "a_b.example", "a..b.example", "x" * 63 + ".com",
    "x" * 64 + ".com", ("a" * 60 + ".") * 4 + "com", "EXAMPLE.org", "xn--zz.example",
    "münchen.de", "\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com", "a.b.c.d.e.f.example",
    "x.y-z.co.uk", "1a.example",
])
def test_plain_hostnames_normalise_as_the_full_idna_mapping_does(name: str) -> None:
    """The letter-digit-hyphen shortcut agrees with UTS #46 + IDNA 2008, including on what
    it refuses."""
    import idna

    try:
        expected: str | None = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        expected = None
    try:
        got: str | None = normalise("domain", name)
    except InvalidObservable:
        got = None
    assert got == expected


def _longest_storable() -> int:
    from civicshield.reports.models import Observable

    return Observable._meta.get_field("value").max_length


def test_a_value_longer_than_an_observable_can_be_stored_is_not_an_observable() -> None:
    prefix = "https://long.example/"
    longest = prefix + "a" * (_longest_storable() - len(prefix))
    assert normalise("url", longest) == longest
    with pytest.raises(InvalidObservable, match=r"^url: .* is longer than"):
        normalise("url", longest + "a")


def test_an_imported_url_too_long_to_store_is_kept_as_stix_but_not_as_an_observable(
        api_client_for: Any) -> None:
    from civicshield.core.choices import Role
    from civicshield.reports.models import Observable, Report
    from civicshield.sharing.models import StixObject
    from tests.factories import make_organisation, make_user

    make_organisation(is_coordinator=True)
    url = {"type": "url", "spec_version": "2.1",
           "id": "url--aa0a2d35-d37d-5d4c-a5b6-2e5d1d7d3a01",
           "value": "https://long.example/" + "a" * _longest_storable()}
    report = {"type": "report", "spec_version": "2.1",
              "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
              "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
              "name": "Long link", "published": "2025-03-01T00:00:00.000Z",
              "object_refs": [url["id"]],
              "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}
    response = api_client_for(make_user(Role.ANALYST)).post(
        "/api/v1/stix/bundle", json.dumps({"objects": [url, report]}),
        content_type="application/json")
    assert response.status_code == 201, response.content[:500]
    assert StixObject.objects.filter(stix_id=url["id"]).exists()
    assert not Report.objects.get(title="Long link").observables.exists()
    assert not Observable.objects.exists()
