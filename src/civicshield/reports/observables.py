"""Observables: find them in free text and normalise them so that equal things compare equal.

Used for a report's text (`extract`), for a pasted list with one value a line
(`extract_list`), and for one value given through the API or typed as a search
query (`normalise`, `guess_type`). No database, no network: only the length limit
of a stored value is read from the `Observable` model.

Well-kept libraries do the parsing (`idna` for IDNA 2008/UTS #46, `phonenumbers`
for E.164, `ipaddress`, `urllib.parse`); what is written by hand here is only
*where* an observable starts and stops in prose, which no library decides for us.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast
from urllib.parse import quote, unquote, unquote_plus, urlsplit

import idna
import phonenumbers

URL = "url"
DOMAIN = "domain"
IPV4 = "ipv4"
IPV6 = "ipv6"
EMAIL = "email"
MD5 = "md5"
SHA1 = "sha1"
SHA256 = "sha256"
PHONE = "phone"
SOCIAL_ACCOUNT = "social_account"
HASHTAG = "hashtag"
MESSAGE_ID = "message_id"
AD_ID = "ad_id"

# The Django layer mirrors these codes; their order is the order forms list them in.
TYPES: tuple[str, ...] = (
    URL, DOMAIN, IPV4, IPV6, EMAIL, MD5, SHA1, SHA256, PHONE,
    SOCIAL_ACCOUNT, HASHTAG, MESSAGE_ID, AD_ID,
)

HASH_LENGTHS: dict[str, int] = {MD5: 32, SHA1: 40, SHA256: 64}

# "unknown" is the platform of an @mention whose text does not say where it was seen.
UNKNOWN_PLATFORM = "unknown"
SOCIAL_PLATFORMS: tuple[str, ...] = (
    "x", "facebook", "instagram", "tiktok", "youtube", "telegram", "threads",
    "bluesky", "mastodon", "reddit", "vk", "linkedin", UNKNOWN_PLATFORM,
)
# Meta's Ad Library serves Facebook and Instagram ads under one id, so both are "facebook".
AD_PLATFORMS: tuple[str, ...] = ("facebook", "tiktok", "linkedin", UNKNOWN_PLATFORM)

# Query parameters that identify the click or the sharer, not the resource. A parameter
# is dropped when its lowercased name is listed here or starts with a listed prefix.
TRACKING_PARAMETERS: frozenset[str] = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "li_fat_id", "mc_eid", "mc_cid", "igshid", "igsh", "si", "mibextid",
    "ref_src", "ref_url", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "vero_id", "rb_clickid", "s_cid",
})
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)
# Parameters that are share-tracking only on one platform ("s" or "t" mean
# something else on other sites, so they are not dropped everywhere).
TRACKING_PARAMETERS_BY_HOST: dict[str, frozenset[str]] = {
    "x.com": frozenset({"s", "t"}),
    "twitter.com": frozenset({"s", "t"}),
    "youtube.com": frozenset({"feature", "pp"}),
    "youtu.be": frozenset({"feature"}),
    "tiktok.com": frozenset({"_r", "_t", "is_from_webapp", "sender_device",
                             "share_app_id", "share_link_id", "is_copy_url"}),
}

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}

# Prose is full of dotted words ("e.g.", "report.pdf", "index.html", "v1.2"), so a
# name found in free text counts as a domain only under a known top-level domain.
# A compact list of common gTLDs plus every two-letter ccTLD keeps that offline;
# "zip" and "mov" are real gTLDs but left out because they are far more often file
# names. `normalise` itself only asks for a TLD-shaped label, so the API accepts
# any real domain.
COMMON_GENERIC_TLDS: frozenset[str] = frozenset({
    "com", "net", "org", "info", "biz", "gov", "edu", "mil", "int", "name", "pro",
    "mobi", "asia", "app", "dev", "page", "online", "site", "website", "store", "shop",
    "tech", "xyz", "top", "club", "live", "news", "blog", "media", "press", "vip",
    "win", "bid", "icu", "cyou", "buzz", "fun", "space", "link", "click", "today",
    "world", "life", "lol", "cloud", "digital", "email", "network", "social",
    "agency", "group", "team", "global", "center", "support", "solutions",
    "services", "company", "ltd", "inc", "llc", "foundation", "fyi", "wiki", "ink",
    "party", "vote", "voto", "democrat", "republican", "gop", "ngo", "ong",
    "eus", "cat", "gal", "berlin", "london", "paris", "nyc", "africa", "lat", "rest",
    "uno", "one", "zone", "run", "host", "art", "studio", "events", "report",
    "tv", "io", "onion",
    # RFC 2606 / RFC 6761 names used in documentation and tests.
    "example", "test", "invalid",
    # A few internationalised ccTLDs, in their ASCII (punycode) form.
    "xn--p1ai", "xn--j1amh", "xn--90a3ac", "xn--fiqs8s", "xn--fiqz9s", "xn--mgbaam7a8h",
    "xn--mgberp4a5d4ar", "xn--wgbh1c", "xn--90ais", "xn--d1alf", "xn--node",
})
COUNTRY_CODE_TLDS: frozenset[str] = frozenset({
    "ac", "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar", "as", "at", "au", "aw",
    "ax", "az", "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bm", "bn", "bo", "bq",
    "br", "bs", "bt", "bv", "bw", "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck",
    "cl", "cm", "cn", "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de", "dj", "dk", "dm",
    "do", "dz", "ec", "ee", "eg", "eh", "er", "es", "et", "eu", "fi", "fj", "fk", "fm", "fo",
    "fr", "ga", "gb", "gd", "ge", "gf", "gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq", "gr",
    "gs", "gt", "gu", "gw", "gy", "hk", "hm", "hn", "hr", "ht", "hu", "id", "ie", "il", "im",
    "in", "io", "iq", "ir", "is", "it", "je", "jm", "jo", "jp", "ke", "kg", "kh", "ki", "km",
    "kn", "kp", "kr", "kw", "ky", "kz", "la", "lb", "lc", "li", "lk", "lr", "ls", "lt", "lu",
    "lv", "ly", "ma", "mc", "md", "me", "mg", "mh", "mk", "ml", "mm", "mn", "mo", "mp", "mq",
    "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz", "na", "nc", "ne", "nf", "ng", "ni",
    "nl", "no", "np", "nr", "nu", "nz", "om", "pa", "pe", "pf", "pg", "ph", "pk", "pl", "pm",
    "pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw", "sa", "sb", "sc",
    "sd", "se", "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr", "ss", "st", "su",
    "sv", "sx", "sy", "sz", "tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to",
    "tr", "tt", "tv", "tw", "tz", "ua", "ug", "uk", "us", "uy", "uz", "va", "vc", "ve", "vg",
    "vi", "vn", "vu", "wf", "ws", "ye", "yt", "za", "zm", "zw",
})
KNOWN_TLDS: frozenset[str] = COMMON_GENERIC_TLDS | COUNTRY_CODE_TLDS
# ccTLDs that are also common file extensions ("README.md", "setup.py", "main.rs"):
# in prose, a bare two-label name under one of these is taken for a file name.
FILE_EXTENSION_TLDS: frozenset[str] = frozenset({
    "ac", "ai", "am", "cc", "in", "md", "mk", "ml", "pl", "pm", "ps", "py", "rs", "sh",
    "so", "tf",
})


class InvalidObservable(ValueError):
    """A value that is not a valid observable of the given type; the message names the type."""


@dataclass(frozen=True)
class Extracted:
    """One observable found in text: its type, its canonical value, and the text it came from."""

    type: str
    value: str
    original: str


# --------------------------------------------------------------------------- refanging

# One alternation so that a single pass can keep track of where each refanged
# character came from (`extract` reports the original, defanged, text).
_REFANG_RE = re.compile(
    r"""
      (?P<scheme>\bh(?:xx|\*\*|__)p(?P<secure>s?)(?=\[?:|\(:))
    | (?P<fxp>\bfxp(?=\[?:|\(:))
    | (?<=\w)\s*[\[({]\s*(?:\.|dot)\s*[\])}]\s*(?=\w)  (?# spaced " [.] " between words)
    | (?P<dot>[\[({](?:\.|dot)[\])}]|\\\.)
    | (?P<colon_slashes>[\[({]://[\])}])
    | (?P<colon>[\[({]:[\])}])
    | (?P<slash>[\[({]/[\])}])
    | (?P<at_symbol>[\[({]@[\])}])
    | (?P<at_word>(?<=\w)\s*[\[({]\s*at\s*[\])}]\s*
                  (?=[\w\-]+\s*(?:\.|[\[({]\s*(?:\.|dot)\s*[\])}])\s*\w))
                  (?# "[at]" only before something host-like: "user [at] example [dot] org")
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _refang_replacement(match: re.Match[str]) -> str:
    if match.group("scheme") is not None:
        return "http" + match.group("secure").lower()
    if match.group("fxp") is not None:
        return "ftp"
    for group, replacement in (("colon_slashes", "://"), ("colon", ":"), ("slash", "/"),
                               ("at_symbol", "@"), ("at_word", "@")):
        if match.group(group) is not None:
            return replacement
    return "."


def _refang_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """The refanged text, and for each of its characters the span of `text` it came from."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _REFANG_RE.finditer(text):
        for index in range(position, match.start()):
            pieces.append(text[index])
            starts.append(index)
            ends.append(index + 1)
        replacement = _refang_replacement(match)
        pieces.append(replacement)
        starts.extend([match.start()] * len(replacement))
        ends.extend([match.end()] * len(replacement))
        position = match.end()
    for index in range(position, len(text)):
        pieces.append(text[index])
        starts.append(index)
        ends.append(index + 1)
    return "".join(pieces), starts, ends


def refang(text: str) -> str:
    """Undo the usual defanging: hxxp(s), [.] (.) {.} [dot] (dot), [:] [://], [@], [at]...

    "[at]"/"(at)" and spaced forms such as "example [.] com" are refanged only
    between word characters, so ordinary prose keeps its brackets.
    """
    return _REFANG_RE.sub(_refang_replacement, text)


# --------------------------------------------------------------------------- helpers


def _invalid(type: str, value: str, problem: str) -> InvalidObservable:
    shown = value if len(value) <= 120 else value[:117] + "..."
    return InvalidObservable(f"{type}: {shown} {problem}")


_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _normalise_hostname(type: str, value: str, host: str, *, need_tld: bool) -> str:
    """A DNS name in lowercase ASCII (IDN labels as punycode), without the trailing dot."""
    name = host.strip().rstrip(".")
    if not name or any(character in name for character in " /:@?#[]\\"):
        raise _invalid(type, value, "is not a valid domain name")
    if name.isascii() and len(name) <= 253:
        lowered = name.lower()
        if all(_LDH_LABEL.fullmatch(label) and label[2:4] != "--"
               for label in lowered.split(".")):
            # Plain letter-digit-hyphen labels are their own IDNA form (lowercased): the
            # common case, spared the UTS #46 round trip, which is most of the cost here.
            ascii_name = lowered
            return _checked_tld(type, value, ascii_name, need_tld=need_tld)
    try:
        # UTS #46 mapping lowercases and folds full-width characters before IDNA 2008 checks.
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise _invalid(type, value, f"is not a valid domain name ({exc})") from None
    return _checked_tld(type, value, ascii_name, need_tld=need_tld)


def _checked_tld(type: str, value: str, ascii_name: str, *, need_tld: bool) -> str:
    labels = ascii_name.split(".")
    if need_tld:
        if len(labels) < 2:
            raise _invalid(type, value, "has no top-level domain")
        if not re.fullmatch(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", labels[-1]):
            raise _invalid(type, value, f"ends in {labels[-1]!r}, which is not a top-level domain")
    return ascii_name


def _percent_encoding(component: str, safe: str) -> str:
    """RFC 3986 §6.2.2: encode what must be, uppercase %xx, decode unreserved characters."""
    encoded = quote(component, safe=safe + "%")

    def tidy(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        if re.fullmatch(r"[A-Za-z0-9\-._~]", character):
            return character
        return "%" + match.group(1).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", tidy, encoded)


def _ipv6_text(address: ipaddress.IPv6Address) -> str:
    # RFC 5952 §5 writes IPv4-mapped addresses with a dotted quad; Python's own
    # str() changed on this between versions, so spell it out.
    if address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed


# --------------------------------------------------------------------------- normalisers


def _normalise_url(value: str) -> str:
    text = refang(value).strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text):
        # A schemeless "host/path" is a web address as browsers read it (HTTPS first).
        text = "https://" + text.removeprefix("//")
    # Spaces in a path or query are percent-encoded below; in the host they are an error.
    if re.search(r"\s", re.split(r"[/?#]", text.partition("://")[2], maxsplit=1)[0]):
        raise _invalid(URL, value, "has white space in its host")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise _invalid(URL, value, f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    userinfo, at_sign, hostport = parts.netloc.rpartition("@")
    host = parts.hostname or ""
    if not host:
        raise _invalid(URL, value, "has no host")
    if hostport.startswith("["):
        try:
            host_text = "[" + _ipv6_text(ipaddress.IPv6Address(host)) + "]"
        except ValueError:
            raise _invalid(URL, value, "has an invalid IPv6 host") from None
    elif re.fullmatch(r"[\d.]+", host.rstrip(".")):
        try:
            host_text = str(ipaddress.IPv4Address(host.rstrip(".")))
        except ValueError:
            raise _invalid(URL, value, "has an invalid IPv4 host") from None
    else:
        host_text = _normalise_hostname(URL, value, host, need_tld=False)
    netloc = (userinfo + "@" if at_sign else "") + host_text
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = _percent_encoding(parts.path, safe="/:@!$&'()*+,;=") or "/"
    host_specific = TRACKING_PARAMETERS_BY_HOST.get(_platform_host(host_text), frozenset())
    kept = []
    for parameter in parts.query.split("&"):
        if not parameter:
            continue
        name = unquote_plus(parameter.partition("=")[0]).lower()
        if (name in TRACKING_PARAMETERS or name in host_specific
                or name.startswith(TRACKING_PREFIXES)):
            continue
        kept.append(_percent_encoding(parameter, safe="/:@!$&'()*+,;=?"))
    # The fragment never reaches the server, so it is not part of what is observed.
    return f"{scheme}://{netloc}{path}" + ("?" + "&".join(kept) if kept else "")


def _normalise_domain(value: str) -> str:
    return _normalise_hostname(DOMAIN, value, refang(value), need_tld=True)


def _normalise_ipv4(value: str) -> str:
    text = refang(value).strip()
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise _invalid(IPV4, value, "is not a valid IPv4 address") from None


def _normalise_ipv6(value: str) -> str:
    text = refang(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return _ipv6_text(ipaddress.IPv6Address(text))
    except ValueError:
        raise _invalid(IPV6, value, "is not a valid IPv6 address") from None


_EMAIL_LOCAL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+")


def _normalise_email(value: str) -> str:
    text = refang(value).strip().removeprefix("mailto:")
    local, at, domain = text.rpartition("@")
    if not at or not local or not _EMAIL_LOCAL_RE.fullmatch(local):
        raise _invalid(EMAIL, value, "is not a valid email address")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise _invalid(EMAIL, value, "is not a valid email address (misplaced dot)")
    domain_text = _normalise_hostname(EMAIL, value, domain, need_tld=True)
    # The local part is case-sensitive in RFC 5321, but no mail provider in use
    # treats it so; lowercasing it lets "Press@..." and "press@..." match.
    return f"{local.lower()}@{domain_text}"


def _normaliser_for_hash(type: str) -> Callable[[str], str]:
    length = HASH_LENGTHS[type]

    def normalise_hash(value: str) -> str:
        text = value.strip().lower()
        if not re.fullmatch(r"[0-9a-f]+", text):
            raise _invalid(type, value, "is not hexadecimal")
        if len(text) != length:
            raise _invalid(type, value, f"has {len(text)} hex digits, not {length}")
        return text

    return normalise_hash


def _normalise_phone(value: str) -> str:
    text = refang(value).strip().removeprefix("tel:").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise _invalid(PHONE, value, "needs an international prefix (+ or 00)")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise _invalid(PHONE, value, "is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(PHONE, value, "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Handles as each platform allows them; all these platforms match handles
# case-insensitively, so they are lowercased (YouTube channel ids are the exception).
_HANDLE_RULES: dict[str, re.Pattern[str]] = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "facebook": re.compile(r"[A-Za-z0-9.]{5,50}|\d{5,20}"),
    "instagram": re.compile(r"[A-Za-z0-9._]{1,30}"),
    "tiktok": re.compile(r"[A-Za-z0-9._]{2,24}"),
    "youtube": re.compile(r"[A-Za-z0-9._\-]{3,30}|UC[A-Za-z0-9_\-]{22}"),
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}"),
    "threads": re.compile(r"[A-Za-z0-9._]{1,30}"),
    "reddit": re.compile(r"[A-Za-z0-9_\-]{3,20}"),
    "vk": re.compile(r"[A-Za-z0-9_.]{2,32}"),
    "linkedin": re.compile(r"[\w\-]{3,100}"),
    UNKNOWN_PLATFORM: re.compile(r"[A-Za-z0-9_.]{1,30}"),
}
_PLATFORM_ALIASES: dict[str, str] = {
    "twitter": "x", "fb": "facebook", "ig": "instagram", "insta": "instagram",
    "yt": "youtube", "tg": "telegram", "bsky": "bluesky", "vkontakte": "vk",
    "meta": "facebook",
}
_MASTODON_USER_RE = re.compile(r"[A-Za-z0-9_]{1,30}")
_BLUESKY_DID_RE = re.compile(r"did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.\-]+)", re.IGNORECASE)


def _social_value(platform: str, handle: str, value: str) -> str:
    """`platform:handle` after checking the handle against the platform's rules."""
    handle = handle.strip().removeprefix("@")
    if platform == "mastodon":
        user, at, instance = handle.partition("@")
        if not at or not _MASTODON_USER_RE.fullmatch(user):
            raise _invalid(SOCIAL_ACCOUNT, value, "is not a Mastodon address (user@instance)")
        instance_text = _normalise_hostname(SOCIAL_ACCOUNT, value, instance, need_tld=True)
        return f"mastodon:{user.lower()}@{instance_text}"
    if platform == "bluesky":
        if _BLUESKY_DID_RE.fullmatch(handle):
            return f"bluesky:{handle.lower()}"
        return "bluesky:" + _normalise_hostname(SOCIAL_ACCOUNT, value, handle, need_tld=True)
    rule = _HANDLE_RULES.get(platform)
    if rule is None:
        raise _invalid(SOCIAL_ACCOUNT, value, f"names an unknown platform {platform!r}")
    if not rule.fullmatch(handle):
        raise _invalid(SOCIAL_ACCOUNT, value, f"is not a valid {platform} handle")
    if platform == "youtube" and re.fullmatch(r"UC[A-Za-z0-9_\-]{22}", handle):
        return f"youtube:{handle}"  # channel ids are case-sensitive
    return f"{platform}:{handle.lower()}"


def _normalise_social_account(value: str) -> str:
    text = refang(value).strip()
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text) or _SCHEMELESS_URL_RE.fullmatch(text):
        account = _social_account_from_url(_normalise_url(text))
        if account is None:
            raise _invalid(SOCIAL_ACCOUNT, value,
                           "is not the address of a known platform's profile")
        return account
    if re.fullmatch(r"@[^@\s]+@[^@\s]+", text):
        return _social_value("mastodon", text[1:], value)
    platform, colon, handle = text.partition(":")
    if colon:
        platform = platform.strip().lower()
        platform = _PLATFORM_ALIASES.get(platform, platform)
        return _social_value(platform, handle, value)
    if text.startswith("@"):
        return _social_value(UNKNOWN_PLATFORM, text, value)
    raise _invalid(SOCIAL_ACCOUNT, value, "is not an @handle, platform:handle or profile URL")


def _is_tag_character(character: str) -> bool:
    # Letters, digits, "_" and combining marks (vowel signs in Devanagari, Thai...),
    # as the big platforms take them; `\w` alone would cut "#चुनाव" short.
    return (character == "_" or character.isalnum()
            or unicodedata.category(character).startswith("M")
            or character in "\u200c\u200d")


def _normalise_hashtag(value: str) -> str:
    text = value.strip()
    if text[:1] in ("#", "\uff03"):
        text = text[1:]
    if not text or not all(_is_tag_character(character) for character in text):
        raise _invalid(HASHTAG, value, "is not a hashtag (letters, digits and _ only)")
    if all(character.isdigit() or character == "_" for character in text):
        raise _invalid(HASHTAG, value, "has no letter, so platforms do not treat it as a hashtag")
    # NFC first so composed and decomposed accents agree; casefold so "ß" meets "SS".
    return "#" + unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


_MESSAGE_ID_RE = re.compile(r"<?([^<>\s@]+)@([^<>\s@]+)>?")


def _normalise_message_id(value: str) -> str:
    text = value.strip()
    text = re.sub(r"^(?:message-id|in-reply-to|references)\s*:\s*", "", text, flags=re.IGNORECASE)
    match = _MESSAGE_ID_RE.fullmatch(text)
    if match is None or text.startswith("<") != text.endswith(">"):
        raise _invalid(MESSAGE_ID, value, "is not a Message-ID (<id@host>, RFC 5322 §3.6.4)")
    return f"<{match.group(1)}@{match.group(2).lower()}>"


_AD_TEXT_RE = re.compile(
    r"\b(?:ad(?:\s+library)?|library)[\s_-]*(?:id|number|no\.?)\s*[:#=]?\s*(\d{6,25})\b",
    re.IGNORECASE,
)


def _normalise_ad_id(value: str) -> str:
    text = refang(value).strip()
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text) or _SCHEMELESS_URL_RE.fullmatch(text):
        ad = _ad_id_from_url(_normalise_url(text))
        if ad is None:
            raise _invalid(AD_ID, value, "is not the address of an ad in a known ad library")
        return ad
    platform, colon, digits = text.partition(":")
    if colon and platform.strip().lower() in (*SOCIAL_PLATFORMS, *_PLATFORM_ALIASES):
        platform = platform.strip().lower()
        platform = _PLATFORM_ALIASES.get(platform, platform)
        if platform in ("instagram",):
            platform = "facebook"
        if platform not in AD_PLATFORMS:
            raise _invalid(AD_ID, value, f"names a platform without an ad library ({platform})")
        if not re.fullmatch(r"\d{6,25}", digits.strip()):
            raise _invalid(AD_ID, value, "is not an ad id (6 to 25 digits)")
        return f"{platform}:{digits.strip()}"
    if re.fullmatch(r"\d{6,25}", text):
        return f"{UNKNOWN_PLATFORM}:{text}"
    match = _AD_TEXT_RE.search(text)
    if match is None:
        raise _invalid(AD_ID, value, "is not an ad id (\"Ad ID: digits\", platform:digits or URL)")
    platform = _ad_platform_from_context(text[:match.start()], text[match.end():])
    return f"{platform}:{match.group(1)}"


_NORMALISERS: dict[str, Callable[[str], str]] = {
    URL: _normalise_url,
    DOMAIN: _normalise_domain,
    IPV4: _normalise_ipv4,
    IPV6: _normalise_ipv6,
    EMAIL: _normalise_email,
    MD5: _normaliser_for_hash(MD5),
    SHA1: _normaliser_for_hash(SHA1),
    SHA256: _normaliser_for_hash(SHA256),
    PHONE: _normalise_phone,
    SOCIAL_ACCOUNT: _normalise_social_account,
    HASHTAG: _normalise_hashtag,
    MESSAGE_ID: _normalise_message_id,
    AD_ID: _normalise_ad_id,
}


def normalise(type: str, value: str) -> str:
    """The canonical form of `value` as an observable of `type` (one of `TYPES`).

    Defanged input is accepted. Two values that denote the same thing give the
    same string, and normalising a canonical value returns it unchanged. Raises
    `InvalidObservable`, whose message starts with the type, when `value` is not
    a valid observable of that type, or when its canonical form is longer than an
    observable can be stored.
    """
    normaliser = _NORMALISERS.get(type)
    if normaliser is None:
        raise InvalidObservable(f"{type}: is not an observable type (one of {', '.join(TYPES)})")
    canonical = normaliser(value)
    if len(canonical) > _max_length():
        raise _invalid(type, value, f"is longer than {_max_length()} characters")
    return canonical


@functools.cache
def _max_length() -> int:
    # Read from the model, so that the column and this rule cannot drift apart; imported
    # here because the model module needs Django set up and this one must not.
    from civicshield.reports.models import Observable

    return cast(int, Observable._meta.get_field("value").max_length)


# --------------------------------------------------------------------------- URLs → accounts, ads

_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.", "old.", "new.")
_SOCIAL_HOSTS: dict[str, str] = {
    "x.com": "x", "twitter.com": "x",
    "facebook.com": "facebook", "fb.com": "facebook",
    "instagram.com": "instagram", "instagr.am": "instagram",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram",
    "threads.net": "threads", "threads.com": "threads",
    "bsky.app": "bluesky",
    "reddit.com": "reddit",
    "vk.com": "vk", "vk.ru": "vk",
    "linkedin.com": "linkedin",
}
# Paths under these first segments are the platform's own pages, not profiles.
_RESERVED_PATHS: dict[str, frozenset[str]] = {
    "x": frozenset({"home", "i", "intent", "search", "hashtag", "explore", "settings",
                    "share", "messages", "notifications", "compose", "login", "signup",
                    "tos", "privacy", "jobs", "about", "download"}),
    "facebook": frozenset({"ads", "groups", "events", "watch", "marketplace", "gaming",
                           "help", "login", "login.php", "photo.php", "photo", "photos",
                           "permalink.php", "story.php", "share", "sharer", "sharer.php",
                           "hashtag", "pages", "business", "policies", "privacy", "settings",
                           "search", "reel", "reels", "videos", "stories", "notifications",
                           "messages", "friends", "bookmarks", "l.php", "dialog", "plugins",
                           "home.php", "profile.php", "people", "pg", "share.php"}),
    "instagram": frozenset({"p", "reel", "reels", "tv", "explore", "accounts", "direct",
                            "about", "legal", "developer", "stories", "web", "challenge"}),
    "vk": frozenset({"away.php", "feed", "im", "search", "video", "videos", "audio",
                     "audios", "music", "photo", "photos", "friends", "groups", "settings",
                     "login", "doc", "docs", "app", "apps", "market", "clip", "clips",
                     "share.php", "story", "stories", "topic", "ads"}),
    "telegram": frozenset({"joinchat", "addstickers", "addemoji", "share", "proxy",
                           "socks", "c", "iv", "login", "setlanguage", "addtheme"}),
}
# Fediverse servers are countless; only these and hosts named like them are read
# as Mastodon, because "/@name" paths also belong to Medium, TikTok and others.
_MASTODON_INSTANCES: frozenset[str] = frozenset({
    "mastodon.social", "mastodon.online", "mstdn.social", "mas.to", "fosstodon.org",
    "mastodon.world", "infosec.exchange", "hachyderm.io", "social.vivaldi.net",
    "mastodon.uno", "mstdn.jp", "troet.cafe", "chaos.social", "sigmoid.social",
})


def _platform_host(host: str) -> str:
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            return host.removeprefix(prefix)
    return host


def _is_mastodon_host(host: str) -> bool:
    return host in _MASTODON_INSTANCES or bool(
        re.match(r"(?:mastodon|mstdn|masto)\b", host) or ".mastodon." in f".{host}")


def _handle_from_path(platform: str, host: str, segments: list[str],
                      query: dict[str, str]) -> str | None:
    first = segments[0] if segments else ""
    second = segments[1] if len(segments) > 1 else ""
    if platform in ("tiktok", "threads"):
        return first[1:] if first.startswith("@") else None
    if platform == "youtube":
        if first.startswith("@"):
            return first[1:]
        return second if first == "channel" and second else None
    if platform == "bluesky":
        return second if first == "profile" and second else None
    if platform == "reddit":
        return second if first in ("user", "u") and second else None
    if platform == "linkedin":
        return second if first == "in" and second else None
    if platform == "facebook":
        if first == "profile.php":
            return query.get("id")
        if first == "people" and len(segments) > 2:
            return segments[2]
        if first == "pg" and second:
            return second
    if platform == "instagram" and first == "stories" and second:
        return second
    if platform == "telegram" and first == "s" and second:
        return second
    if platform == "mastodon":
        if not first.startswith("@"):
            return None
        user, at, instance = first[1:].partition("@")
        return f"{user}@{instance if at else host}"
    if not first or first.lower() in _RESERVED_PATHS.get(platform, frozenset()):
        return None
    return first.removeprefix("@") if platform == "x" else first


def _url_parts(url: str) -> tuple[str, list[str], dict[str, str]]:
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    query: dict[str, str] = {}
    for parameter in parts.query.split("&"):
        name, _equals, parameter_value = parameter.partition("=")
        query.setdefault(unquote_plus(name), unquote_plus(parameter_value))
    return (parts.hostname or ""), segments, query


def _social_account_from_url(url: str) -> str | None:
    """`platform:handle` for a profile (or a post's author) URL; None for other URLs."""
    host, segments, query = _url_parts(url)
    host = _platform_host(host)
    platform = _SOCIAL_HOSTS.get(host)
    if platform is None:
        if not _is_mastodon_host(host):
            return None
        platform = "mastodon"
    handle = _handle_from_path(platform, host, segments, query)
    if not handle:
        return None
    try:
        return _social_value(platform, handle, url)
    except InvalidObservable:
        return None


def _ad_id_from_url(url: str) -> str | None:
    """`platform:digits` for an ad-library address of one ad; None for other URLs."""
    host, segments, query = _url_parts(url)
    host = _platform_host(host)
    candidates: list[tuple[str, str | None]] = []
    if host == "facebook.com" and segments[:1] == ["ads"]:
        candidates.append(("facebook", query.get("id")))
    if host == "library.tiktok.com":
        candidates.append(("tiktok", query.get("ad_id")))
    if host == "linkedin.com" and segments[:2] == ["ad-library", "detail"] and len(segments) > 2:
        candidates.append(("linkedin", segments[2]))
    for platform, digits in candidates:
        if digits and re.fullmatch(r"\d{6,25}", digits):
            return f"{platform}:{digits}"
    return None


# --------------------------------------------------------------------------- context

# Words that say which platform an @mention or an ad id belongs to. "X" and
# "Threads" count only capitalised: lowercase they are ordinary words.
_PLATFORM_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:twitter|tweet(?:s|ed)?)\b", re.IGNORECASE), "x"),
    (re.compile(r"(?<![\w/])X\b(?!-)"), "x"),
    (re.compile(r"\b(?:facebook|fb|meta)\b", re.IGNORECASE), "facebook"),
    (re.compile(r"\b(?:instagram|insta|IG)\b", re.IGNORECASE), "instagram"),
    (re.compile(r"\btik\s?tok\b", re.IGNORECASE), "tiktok"),
    (re.compile(r"\byoutube\b", re.IGNORECASE), "youtube"),
    (re.compile(r"\btelegram\b", re.IGNORECASE), "telegram"),
    (re.compile(r"\bThreads\b"), "threads"),
    (re.compile(r"\b(?:bluesky|bsky)\b", re.IGNORECASE), "bluesky"),
    (re.compile(r"\breddit\b", re.IGNORECASE), "reddit"),
    (re.compile(r"\b(?:vk|vkontakte)\b", re.IGNORECASE), "vk"),
    (re.compile(r"\blinkedin\b", re.IGNORECASE), "linkedin"),
)


_PLATFORM_AFTER_RE = re.compile(r"\s*\(?(?:on|via|in|from)\s+(?:the\s+)?(\w+)")


def _platform_from_context(before: str, after: str = "") -> str | None:
    """The platform a value was seen on, as the surrounding words say.

    The platform named last in the same sentence shortly before the value
    ("Telegram channel @name"), else one named right after it ("@name on Telegram").
    """
    following = _PLATFORM_AFTER_RE.match(after)
    if following is not None:
        for pattern, platform in _PLATFORM_WORDS:
            if pattern.fullmatch(following.group(1)):
                return platform
    window = before[-80:]
    sentence_start = max(window.rfind(mark) for mark in (". ", "\n", "! ", "? ", ";"))
    window = window[sentence_start + 1:]
    best: tuple[int, str] | None = None
    for pattern, platform in _PLATFORM_WORDS:
        for match in pattern.finditer(window):
            if best is None or match.start() > best[0]:
                best = (match.start(), platform)
    return best[1] if best else None


def _ad_platform_from_context(before: str, after: str = "") -> str:
    platform = _platform_from_context(before, after)
    if platform == "instagram":
        return "facebook"
    return platform if platform in AD_PLATFORMS else UNKNOWN_PLATFORM


# --------------------------------------------------------------------------- extraction

_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_HOST = rf"(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[A-Za-z0-9\-]{{1,59}})"
# URLs stop at white space, quotes, angle brackets and CJK full-width punctuation.
_URL_STOP = "\\s<>\"'`\uff0c\u3002\u3001\u300c\u300d\u300e\u300f\u3010\u3011\uff08\uff09"
_URL_RE = re.compile(rf"\b(?:https?|ftp)://[^{_URL_STOP}]+", re.IGNORECASE)
_SCHEMELESS_URL_RE = re.compile(
    rf"(?<![\w.@/\\\-]){_HOST}\.?(?::\d{{1,5}})?/[^{_URL_STOP}]*"
)
_DOMAIN_RE = re.compile(rf"(?<![\w.@/\\\-]){_HOST}(?![\w\-])")
_EMAIL_RE = re.compile(rf"(?<![\w.%+\-@])[\w.%+\-]+@{_HOST}(?![\w\-])")
_MASTODON_RE = re.compile(rf"(?<![\w@/])@([A-Za-z0-9_]{{1,30}})@({_HOST})(?![\w\-])")
_BRACKETED_RE = re.compile(r"<([^<>\s@]+)@([^<>\s@]+)>")
_MESSAGE_ID_HEADER_RE = re.compile(
    r"(?:message-?id|in-reply-to|references)\s*:[^\n]*$", re.IGNORECASE)
_HEADER_MESSAGE_ID_RE = re.compile(
    r"(?:message-?id)\s*:\s*([^<>\s@]+@[^<>\s@]+)", re.IGNORECASE)
_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6_RE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?![\w:]|\.\w)"
)
_HEX_RE = re.compile(r"(?<![0-9A-Za-z_])[0-9A-Fa-f]{32,64}(?![0-9A-Za-z_])")
_MENTION_RE = re.compile(r"(?<![\w@.+\-/])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}))")
_REDDIT_USER_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_\-]{3,20})(?![\w\-])")
_HASHTAG_START_RE = re.compile(r"(?<![\w#&/])[#\uff03](?=\S)")
# "00" starts an international number only where no digit group comes before it
# ("+44 20 7946 0018" ends in a group that merely starts with 00).
_INTERNATIONAL_ZEROS_RE = re.compile(r"(?<![\w+])(?<![\d\-.]\s)00\s?(?=[1-9])")
_TRAILING_PUNCTUATION = ".,;:!?*…"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


def _trim_url(candidate: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from a URL's end."""
    while candidate:
        last = candidate[-1]
        unbalanced = last in _CLOSERS and candidate.count(last) > candidate.count(_CLOSERS[last])
        if last in _TRAILING_PUNCTUATION or unbalanced:
            candidate = candidate[:-1]
        else:
            break
    return candidate


def _known_domain(name: str, *, in_prose: bool) -> bool:
    labels = name.rstrip(".").split(".")
    tld = labels[-1]
    if tld.lower() not in KNOWN_TLDS:
        try:
            tld = idna.encode(tld, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return False
        if tld not in KNOWN_TLDS:
            return False
    if in_prose:
        # "Veridia.It was..." is a missing space, not Italy: real domains are not title-cased.
        if len(labels[-1]) > 1 and labels[-1][0].isupper() and labels[-1][1:].islower():
            return False
        if len(labels) == 2 and tld.lower() in FILE_EXTENSION_TLDS:
            return False
    return True


@dataclass
class _Finder:
    """The refanged text, the parts of it already claimed, and what was found so far."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]
    claimed: list[tuple[int, int]]
    found: list[tuple[int, int, Extracted]]

    def free(self, start: int, end: int) -> bool:
        # Claimed spans never overlap, so sorted by start only the neighbours can collide.
        index = bisect.bisect_left(self.claimed, (start, start))
        if index < len(self.claimed) and self.claimed[index][0] < end:
            return False
        return index == 0 or self.claimed[index - 1][1] <= start

    def add(self, start: int, end: int, items: list[tuple[str, str]]) -> None:
        """Claim text[start:end] for `items` (type, canonical value), in that order."""
        bisect.insort(self.claimed, (start, end))
        source = self.original[self.starts[start]:self.ends[end - 1]]
        for order, (type, value) in enumerate(items):
            self.found.append((start, order, Extracted(type, value, source)))

    def try_add(self, start: int, end: int, type: str, value: str) -> bool:
        if start >= end or not self.free(start, end):
            return False
        try:
            canonical = normalise(type, value)
        except InvalidObservable:
            return False
        self.add(start, end, [(type, canonical)])
        return True


def _find_urls(finder: _Finder, pattern: re.Pattern[str]) -> None:
    for match in pattern.finditer(finder.text):
        candidate = _trim_url(match.group())
        start, end = match.start(), match.start() + len(candidate)
        if not candidate or not finder.free(start, end):
            continue
        if pattern is _SCHEMELESS_URL_RE:
            host = re.match(_HOST, candidate)
            if host is None or not _known_domain(host.group(), in_prose=True):
                continue
        try:
            url = normalise(URL, candidate)
        except InvalidObservable:
            continue
        items = [(URL, url)]
        account = _social_account_from_url(url)
        if account is not None:
            items.append((SOCIAL_ACCOUNT, account))
        ad = _ad_id_from_url(url)
        if ad is not None:
            items.append((AD_ID, ad))
        finder.add(start, end, items)


def _find_message_ids(finder: _Finder) -> None:
    for match in _BRACKETED_RE.finditer(finder.text):
        line_before = finder.text[max(0, match.start() - 200):match.start()].rpartition("\n")[2]
        local, host = match.group(1), match.group(2)
        after_header = _MESSAGE_ID_HEADER_RE.search(line_before) is not None
        # Outside a header, "<name@domain>" is usually an address ("Alice <a@b>");
        # a long local part with digits is how mail software builds ids.
        id_shaped = len(local) >= 20 and any(character.isdigit() for character in local)
        looks_like_address = (_EMAIL_RE.fullmatch(f"{local}@{host}") is not None
                              and _known_domain(host, in_prose=False))
        if after_header or id_shaped or not looks_like_address:
            finder.try_add(match.start(), match.end(), MESSAGE_ID, match.group())
    for match in _HEADER_MESSAGE_ID_RE.finditer(finder.text):
        finder.try_add(match.start(1), match.end(1), MESSAGE_ID, match.group(1))


def _find_emails(finder: _Finder) -> None:
    for match in _MASTODON_RE.finditer(finder.text):
        finder.try_add(match.start(), match.end(), SOCIAL_ACCOUNT, match.group())
    for match in _EMAIL_RE.finditer(finder.text):
        start = match.start() + (len(match.group()) - len(match.group().lstrip(".")))
        domain = match.group().rpartition("@")[2]
        if _known_domain(domain, in_prose=False):
            finder.try_add(start, match.end(), EMAIL, finder.text[start:match.end()])


def _find_ad_ids(finder: _Finder) -> None:
    for match in _AD_TEXT_RE.finditer(finder.text):
        if not finder.free(match.start(), match.end()):
            continue
        platform = _ad_platform_from_context(finder.text[max(0, match.start() - 80):match.start()],
                                             finder.text[match.end():match.end() + 40])
        finder.add(match.start(), match.end(), [(AD_ID, f"{platform}:{match.group(1)}")])


def _find_phones(finder: _Finder) -> None:
    # phonenumbers finds numbers in text but needs "+" when no country is assumed;
    # "00" becomes " +" so that offsets into the text stay the same.
    prefixes = [(match.start(), match.end())
                for match in _INTERNATIONAL_ZEROS_RE.finditer(finder.text)]
    text = _INTERNATIONAL_ZEROS_RE.sub(lambda match: " " * (len(match.group()) - 1) + "+",
                                       finder.text)
    for match in phonenumbers.PhoneNumberMatcher(text, None,
                                                 leniency=phonenumbers.Leniency.VALID):
        start = next((prefix_start for prefix_start, prefix_end in prefixes
                      if prefix_start <= match.start < prefix_end), match.start)
        if not finder.free(start, match.end):
            continue
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        finder.add(start, match.end, [(PHONE, value)])


def _find_addresses(finder: _Finder) -> None:
    for match in _IPV6_RE.finditer(finder.text):
        candidate = match.group()
        groups = candidate.split(":")
        # "00:1a:2b:3c:4d:5e:6f:70" is a hardware address; times never reach here (one colon
        # or no valid IPv6 shape), and "::" alone is too thin to be worth reporting.
        mac_like = "::" not in candidate and all(len(group) == 2 for group in groups)
        if not mac_like and any(character not in ":." for character in candidate):
            finder.try_add(match.start(), match.end(), IPV6, candidate)
    # After IPv6, so that the dotted tail of "::ffff:192.0.2.1" is not taken on its own.
    for match in _IPV4_RE.finditer(finder.text):
        finder.try_add(match.start(), match.end(), IPV4, match.group())


def _find_hashes(finder: _Finder) -> None:
    for match in _HEX_RE.finditer(finder.text):
        # Long digit-only runs are ids and numbers far more often than hashes.
        if match.group().isdigit():
            continue
        for type, length in HASH_LENGTHS.items():
            if len(match.group()) == length:
                finder.try_add(match.start(), match.end(), type, match.group())


def _find_domains(finder: _Finder) -> None:
    for match in _DOMAIN_RE.finditer(finder.text):
        if _known_domain(match.group(), in_prose=True):
            finder.try_add(match.start(), match.end(), DOMAIN, match.group())


def _find_mentions(finder: _Finder) -> None:
    for match in _MENTION_RE.finditer(finder.text):
        handle = match.group(1).rstrip(".")
        start, end = match.start(), match.start() + 1 + len(handle)
        if not finder.free(start, end) or finder.text[end:end + 1] == "@":
            continue
        platform = (_platform_from_context(finder.text[max(0, start - 80):start],
                                           finder.text[end:end + 40])
                    or UNKNOWN_PLATFORM)
        for candidate in (platform, UNKNOWN_PLATFORM):
            try:
                value = _social_value(candidate, handle, handle)
            except InvalidObservable:
                continue
            finder.add(start, end, [(SOCIAL_ACCOUNT, value)])
            break
    for match in _REDDIT_USER_RE.finditer(finder.text):
        finder.try_add(match.start(), match.end(), SOCIAL_ACCOUNT, f"reddit:{match.group(1)}")


def _find_hashtags(finder: _Finder) -> None:
    for match in _HASHTAG_START_RE.finditer(finder.text):
        end = match.end()
        while end < len(finder.text) and _is_tag_character(finder.text[end]):
            end += 1
        finder.try_add(match.start(), end, HASHTAG, finder.text[match.start():end])


# Most specific first: a URL claims its host, query and any hash inside it; an
# email claims its domain; so nothing is reported twice for one stretch of text.
_FINDERS: tuple[Callable[[_Finder], None], ...] = (
    lambda finder: _find_urls(finder, _URL_RE),
    _find_message_ids,
    _find_emails,
    lambda finder: _find_urls(finder, _SCHEMELESS_URL_RE),
    _find_ad_ids,
    _find_phones,
    _find_addresses,
    _find_hashes,
    _find_domains,
    _find_mentions,
    _find_hashtags,
)


def extract(text: str) -> list[Extracted]:
    """Every observable in `text`, normalised; each (type, value) once, first appearance first.

    Defanged text is refanged first; `original` is the text as written. A URL's
    host, an email's domain and a hash inside a URL are not reported separately;
    a profile or ad-library URL gives the URL and the account or ad id.
    """
    refanged, starts, ends = _refang_with_offsets(text)
    finder = _Finder(original=text, text=refanged, starts=starts, ends=ends,
                     claimed=[], found=[])
    for find in _FINDERS:
        find(finder)
    seen: set[tuple[str, str]] = set()
    result: list[Extracted] = []
    for _start, _order, item in sorted(finder.found, key=lambda found: found[:2]):
        if (item.type, item.value) not in seen:
            seen.add((item.type, item.value))
            result.append(item)
    return result


# --------------------------------------------------------------------------- pasted lists

_LIST_MARKER_RE = re.compile(r"^(?:[-*•·]\s+|\d+[.)]\s+)")


def guess_type(value: str) -> str | None:
    """The observable type that a single value (a list line, a search query) has the shape of.

    Only the shape is judged: `normalise` then says whether the value is valid,
    so "300.1.2.3" is an ipv4 here and an error there.
    """
    text = refang(value).strip()
    lowered = text.lower()
    for type, length in HASH_LENGTHS.items():
        if len(text) == length and re.fullmatch(r"[0-9a-fA-F]+", text):
            return type
    checks: tuple[tuple[bool, str], ...] = (
        (bool(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text)), IPV4),
        (bool(re.fullmatch(r"\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?", text))
         and text.count(":") >= 2, IPV6),
        (bool(re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text)), URL),
        (bool(re.fullmatch(r"(?:(?:message-?id|in-reply-to)\s*:\s*)?<[^<>\s]+@[^<>\s]+>",
                           text, re.IGNORECASE)), MESSAGE_ID),
        (bool(re.fullmatch(r"@[^@\s]+(?:@[^@\s]+)?", text)), SOCIAL_ACCOUNT),
        (bool(re.fullmatch(r"(?:mailto:)?[^@\s:/]+@[^@\s]+", text)), EMAIL),
        (text[:1] in ("#", "\uff03"), HASHTAG),
        (bool(re.fullmatch(r"(?:tel:)?(?:\+|00)[\d\s().\-/]{6,}", lowered)), PHONE),
        (lowered.partition(":")[0] in (*SOCIAL_PLATFORMS, *_PLATFORM_ALIASES)
         and ":" in lowered and not re.fullmatch(r"\w+:\d+", lowered), SOCIAL_ACCOUNT),
        (bool(re.fullmatch(r"\w+:\d{6,25}", lowered) or _AD_TEXT_RE.fullmatch(text)), AD_ID),
        (bool(_SCHEMELESS_URL_RE.fullmatch(text)), URL),
        (bool(re.fullmatch(r"[^\s/:@]+\.[^\s/:@.]+\.?", text)), DOMAIN),
    )
    for matches, type in checks:
        if matches:
            return type
    return None


def _from_one_value(value: str) -> list[tuple[str, str]]:
    type = guess_type(value)
    if type is None:
        raise InvalidObservable(f"{value} is not a recognised observable")
    canonical = normalise(type, value)
    if type == DOMAIN and not _known_domain(canonical, in_prose=False):
        # A pasted "report.pdf" is a file name far more often than a domain.
        raise _invalid(DOMAIN, value, f"ends in {canonical.rpartition('.')[2]!r}, "
                                      "which is not a known top-level domain")
    items = [(type, canonical)]
    if type == URL:
        for derived_type, derived in ((SOCIAL_ACCOUNT, _social_account_from_url(canonical)),
                                      (AD_ID, _ad_id_from_url(canonical))):
            if derived is not None:
                items.append((derived_type, derived))
    return items


def extract_list(text: str) -> tuple[list[Extracted], list[tuple[int, str]]]:
    """Observables from a pasted list, one value a line, and the lines that were rejected.

    Blank lines are skipped; list bullets ("- ", "1. ") and trailing commas are
    ignored. Each rejected line is given as (line number from 1, reason).
    Values are de-duplicated in order of first appearance.
    """
    found: list[Extracted] = []
    rejected: list[tuple[int, str]] = []
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        value = _LIST_MARKER_RE.sub("", line.strip()).rstrip(",;").strip()
        if not value:
            continue
        try:
            items = _from_one_value(value)
        except InvalidObservable as exc:
            rejected.append((number, str(exc)))
            continue
        for type, canonical in items:
            if (type, canonical) not in seen:
                seen.add((type, canonical))
                found.append(Extracted(type, canonical, value))
    return found, rejected
