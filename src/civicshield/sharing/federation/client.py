"""Talking to a registered peer's TAXII 2.1 API root: timeouts, a maximum response size,
no redirects, and only the URL the peer was registered with."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from django.conf import settings

from civicshield.sharing.federation.secrets import unseal

MEDIA = "application/taxii+json;version=2.1"


def timeouts() -> tuple[float, float]:
    return (float(getattr(settings, "CIVICSHIELD_FEDERATION_CONNECT_TIMEOUT", 5)),
            float(getattr(settings, "CIVICSHIELD_FEDERATION_READ_TIMEOUT", 60)))


def total_timeout() -> float:
    """Seconds one request may take in all, body included: the connect and read timeouts
    bound each wait, not a peer that sends a byte just before each would expire."""
    return float(getattr(settings, "CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT", 120))


def max_response_bytes() -> int:
    return int(getattr(settings, "CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES", 20 * 1024 * 1024))


class PeerUnavailable(Exception):
    """The peer could not be reached or answered with a server error: worth retrying."""


class PeerRefused(Exception):
    """The peer answered, but refused (4xx) or sent something unusable: not retried."""

    def __init__(self, message: str, *, status: int = 0, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class Unreadable(PeerRefused):
    """The peer answered, but with a body too large or nested too deep to read. In a page of
    objects that may be one object's fault: a smaller page may be readable, and
    `date_added_last` (the page's X-TAXII-Date-Added-Last header) says where this one ends."""

    def __init__(self, message: str, *, response: requests.Response) -> None:
        super().__init__(message, status=response.status_code)
        self.date_added_first = response.headers.get("X-TAXII-Date-Added-First", "")
        self.date_added_last = response.headers.get("X-TAXII-Date-Added-Last", "")


@dataclass
class Page:
    envelope: dict[str, Any]
    date_added_last: str


class PeerClient:
    def __init__(self, peer: Any) -> None:
        try:
            collection = str(uuid.UUID(peer.collection_id))
        except ValueError as error:
            raise PeerRefused(f"collection id {peer.collection_id!r} is not a UUID") from error
        root = peer.api_root_url if peer.api_root_url.endswith("/") else peer.api_root_url + "/"
        if not root.startswith(("http://", "https://")):
            raise PeerRefused("the API root must be an http(s) URL")
        self.root = root
        self.objects_url = f"{root}collections/{collection}/objects/"
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or netrc from the environment
        token = unseal(peer.token_sealed)
        if peer.username:
            self.session.auth = (peer.username, token)
        elif token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["Accept"] = MEDIA

    def _send(self, method: str, url: str, **kwargs: Any) -> tuple[requests.Response, bytes]:
        allowed = total_timeout()
        deadline = time.monotonic() + allowed
        overdue = PeerUnavailable(f"the peer took more than {allowed:g} s to answer "
                                  "(CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT)")
        try:
            response = self.session.request(method, url, timeout=timeouts(), stream=True,
                                            allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            raise PeerUnavailable(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            response.close()  # an outage whatever its body says (or however large it is)
            raise PeerUnavailable(f"HTTP {response.status_code} from the peer")
        limit = max_response_bytes()
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            response.close()
            raise Unreadable(f"response of {declared} bytes is over the {limit} byte limit",
                             response=response)
        body = bytearray()
        try:
            while True:
                if time.monotonic() > deadline:
                    response.close()
                    raise overdue
                # One read from the socket at a time (`read` would wait to fill the chunk),
                # so the deadline is checked between a trickling peer's bytes.
                chunk = response.raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                body += chunk
                if len(body) > limit:
                    response.close()
                    raise Unreadable(f"response over the {limit} byte limit",
                                     response=response)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            raise PeerUnavailable(f"{type(error).__name__}: {error}") from error
        return response, bytes(body)

    @staticmethod
    def _json(response: requests.Response, body: bytes) -> Any:
        try:
            return json.loads(body) if body else {}
        except ValueError as error:
            raise PeerRefused("the peer did not send JSON", status=response.status_code) \
                from error
        except RecursionError as error:
            # Nested deeper than Python recurses: the peer's fault (no STIX content nests
            # so deep), reported as such rather than as a crash of every sync at this page.
            raise Unreadable("the peer sent JSON nested too deep to read",
                             response=response) from error

    def get_objects(self, *, added_after: str = "", limit: int = 1000) -> Page:
        params: dict[str, Any] = {"limit": limit}
        if added_after:
            params["added_after"] = added_after
        response, body = self._send("GET", self.objects_url, params=params)
        if response.status_code != 200:
            raise PeerRefused(f"HTTP {response.status_code} reading the collection",
                              status=response.status_code, body=self._json(response, body))
        content_type = response.headers.get("Content-Type", "").replace(" ", "")
        if not content_type.startswith("application/taxii+json"):
            raise PeerRefused(f"unexpected Content-Type {content_type!r}")
        envelope = self._json(response, body)
        if not isinstance(envelope, dict):
            raise PeerRefused("the envelope is not an object")
        return Page(envelope=envelope,
                    date_added_last=response.headers.get("X-TAXII-Date-Added-Last", ""))

    def add_objects(self, objects: list[dict[str, Any]]) -> dict[str, Any]:
        data = json.dumps({"objects": objects}, separators=(",", ":")).encode()
        response, body = self._send("POST", self.objects_url, data=data,
                                    headers={"Content-Type": MEDIA})
        answer = self._json(response, body)
        if response.status_code not in (200, 202):
            raise PeerRefused(f"HTTP {response.status_code} adding objects",
                              status=response.status_code, body=answer)
        return answer if isinstance(answer, dict) else {}
