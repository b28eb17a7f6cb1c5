"""The federation client's limits against a misbehaving peer: a real HTTP server on loopback
that sends its answer a few bytes at a time."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from civicshield.core.authz import OPERATOR
from civicshield.sharing.federation import services
from civicshield.sharing.federation.client import Page, PeerUnavailable
from civicshield.sharing.federation.models import Peer
from civicshield.sharing.federation.services import create_peer, pull_from_peer

MEDIA = "application/taxii+json;version=2.1"
ENVELOPE = json.dumps({"more": False, "objects": []}).encode()
# How long the peer keeps trickling before it finishes its answer: well past the deadline
# the tests set, short enough that a client without one ends the test in seconds.
TRICKLE_SECONDS = 5.0


class LoopbackPeer:
    """A TAXII peer on loopback, served from a thread until `close`."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = _serve_above_18000(handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/taxii2/api/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class EnvelopeHandler(BaseHTTPRequestHandler):
    """Answers GETs quietly, starting each answer as a TAXII page."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def start_envelope(self, *, length: int | None) -> None:
        """The status and headers of a page: of `length` bytes, or chunked when None."""
        self.send_response(200)
        self.send_header("Content-Type", MEDIA)
        self.send_header("X-TAXII-Date-Added-Last", "2025-03-01T10:00:00.000000Z")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()


class TricklingPeer(LoopbackPeer):
    """Answers every GET with a TAXII envelope, one byte every `interval` seconds (below
    the read timeout), for at most TRICKLE_SECONDS, then the rest at once."""

    def __init__(self, *, chunked: bool, interval: float = 0.2) -> None:
        self.stopping = threading.Event()
        peer = self

        class Handler(EnvelopeHandler):
            def do_GET(self) -> None:
                self.start_envelope(length=None if chunked else len(ENVELOPE))
                write: Callable[[bytes], None] = (
                    (lambda data: self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data)))
                    if chunked else self.wfile.write)
                until = time.monotonic() + TRICKLE_SECONDS
                sent = 0
                try:
                    while sent < len(ENVELOPE) - 1 and time.monotonic() < until \
                            and not peer.stopping.is_set():
                        write(ENVELOPE[sent:sent + 1])
                        self.wfile.flush()
                        sent += 1
                        time.sleep(interval)
                    write(ENVELOPE[sent:])
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except OSError:
                    pass  # the client gave up

        self._serve(Handler)

    def close(self) -> None:
        self.stopping.set()
        super().close()


def _serve_above_18000(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    for port in range(18100, 18900):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
        server.daemon_threads = True
        return server
    raise RuntimeError("no free port between 18100 and 18900")


@pytest.fixture(params=[True, False], ids=["chunked", "content-length"])
def trickling(request: pytest.FixtureRequest) -> Iterator[TricklingPeer]:
    peer = TricklingPeer(chunked=request.param)
    try:
        yield peer
    finally:
        peer.close()


def test_a_peer_that_trickles_its_answer_is_given_up_at_the_total_timeout_and_recorded(
        trickling: TricklingPeer, settings: Any) -> None:
    settings.CIVICSHIELD_FEDERATION_READ_TIMEOUT = 2
    settings.CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT = 1
    peer = create_peer(actor=OPERATOR, name="trickling", api_root_url=trickling.api_root,
                       collection_id=str(uuid.uuid4()), direction="pull")
    started = time.monotonic()

    with pytest.raises(PeerUnavailable, match="more than 1 s to answer"):
        pull_from_peer(peer.pk, attempts=1)

    assert time.monotonic() - started < 3
    peer.refresh_from_db()
    assert "took more than 1 s to answer" in peer.last_error
    assert peer.consecutive_failures == 1


def test_a_peer_that_answers_within_the_total_timeout_is_read_whole(
        settings: Any) -> None:
    settings.CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT = 30
    slow_but_done = TricklingPeer(chunked=True, interval=0.01)
    try:
        peer = create_peer(actor=OPERATOR, name="slow", api_root_url=slow_but_done.api_root,
                           collection_id=str(uuid.uuid4()), direction="pull")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error == ""
        assert Peer.objects.get(pk=peer.pk).last_error == ""
    finally:
        slow_but_done.close()


GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


DATES = [f"2025-03-01T10:00:{second:02d}.000000Z" for second in range(20)]


class FlexiblePeer(LoopbackPeer):
    """A TAXII collection on loopback that pages `items` ((date added, object JSON)) by
    `added_after` and `limit`, noting each request's limit, with faults on demand: `floor`
    (never fewer than this many objects on a page, as a server with a minimum page size),
    `hidden` (dates of entries the server drops after cutting the page, as a server
    filtering what this client may see does)."""

    def __init__(self, items: list[tuple[str, bytes]], *, floor: int = 1,
                 hidden: frozenset[str] = frozenset()) -> None:
        self.limits: list[int] = []
        peer = self

        class Handler(EnvelopeHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                limit = int(query["limit"][0])
                peer.limits.append(limit)
                after = query.get("added_after", [""])[0]
                newer = [item for item in items if item[0] > after]
                cut = newer[:max(limit, floor)]
                page = [item for item in cut if item[0] not in hidden]
                body = b'{"more": %s, "objects": [%s]}' % (
                    b"true" if len(newer) > len(cut) else b"false",
                    b",".join(text for _date, text in page))
                self.send_response(200)
                self.send_header("Content-Type", MEDIA)
                if cut:
                    self.send_header("X-TAXII-Date-Added-First", cut[0][0])
                    self.send_header("X-TAXII-Date-Added-Last", cut[-1][0])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self._serve(Handler)


def _green_indicator(number: int) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
            "created": "2025-03-01T10:00:00.000Z", "modified": "2025-03-01T10:00:00.000Z",
            "pattern": f"[domain-name:value = 'site-{number}.example']", "pattern_type": "stix",
            "valid_from": "2025-03-01T10:00:00.000Z", "object_marking_refs": [GREEN]}


@pytest.mark.parametrize("fault", ["nested too deep", "byte limit"])
def test_one_object_the_peer_cannot_send_readably_is_passed_over_and_the_rest_imported(
        fault: str, settings: Any) -> None:
    from civicshield.sharing.federation.choices import SkipReason
    from civicshield.sharing.models import StixObject
    from tests.factories import make_organisation

    indicators = [_green_indicator(number) for number in range(7)]
    if fault == "nested too deep":  # deeper than Python's JSON decoder recurses
        unreadable = b'{"type": "indicator", "x_deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    else:
        unreadable = json.dumps({**_green_indicator(99), "description": "x" * 3000}).encode()
        settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    dates = [f"2025-03-01T10:00:{second:02d}.000000Z" for second in range(8)]
    texts = [json.dumps(body).encode() for body in indicators]
    serving = FlexiblePeer(list(zip(dates, [*texts[:4], unreadable, *texts[4:]], strict=True)))
    try:
        peer = create_peer(actor=OPERATOR, name="one-bad-object", api_root_url=serving.api_root,
                           collection_id=str(uuid.uuid4()), direction="pull",
                           organisation=make_organisation(slug="pulling"))

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error == ""
        assert StixObject.objects.filter(
            stix_id__in=[body["id"] for body in indicators]).count() == 7
        [left_out] = result.skipped_objects
        assert left_out.reason == SkipReason.UNREADABLE
        assert dates[4] in left_out.detail and fault in left_out.detail
        peer.refresh_from_db()
        assert peer.pull_cursor == dates[-1] and peer.last_error == ""
        assert serving.limits[0] == 1000 and 1 in serving.limits
    finally:
        serving.close()


def test_a_page_the_peer_cannot_send_readably_even_alone_without_a_later_date_stops_the_pull(
        ) -> None:
    deep = b'{"type": "indicator", "x_deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    serving = FlexiblePeer([("not a date", deep)])
    try:
        peer = create_peer(actor=OPERATOR, name="no-date", api_root_url=serving.api_root,
                           collection_id=str(uuid.uuid4()), direction="pull")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error == "Unreadable: the peer sent JSON nested too deep to read"
        peer.refresh_from_db()
        assert peer.pull_cursor == "" and peer.last_error == result.error
        assert peer.consecutive_failures == 1
    finally:
        serving.close()


def _too_large() -> bytes:
    return json.dumps({**_green_indicator(99), "description": "x" * 3000}).encode()


def _flexible_peer(serving: FlexiblePeer, name: str) -> Peer:
    from tests.factories import make_organisation

    return create_peer(actor=OPERATOR, name=name, api_root_url=serving.api_root,
                       collection_id=str(uuid.uuid4()), direction="pull",
                       organisation=make_organisation(slug=f"org-{name}"))


def _held(bodies: list[dict[str, Any]]) -> set[str]:
    from civicshield.sharing.models import StixObject

    return set(StixObject.objects.filter(stix_id__in=[body["id"] for body in bodies])
               .values_list("stix_id", flat=True))


def test_a_page_of_one_that_still_holds_several_objects_is_never_passed_over(
        settings: Any) -> None:
    # A peer with a minimum page size of three: the "page of one" with the unreadable object
    # holds readable ones too, so nothing on it is passed over: the pull stops there.
    settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    indicators = [_green_indicator(number) for number in range(7)]
    texts = [json.dumps(body).encode() for body in indicators]
    serving = FlexiblePeer(list(zip(DATES, [*texts[:4], _too_large(), *texts[4:]],
                                    strict=False)), floor=3)
    try:
        peer = _flexible_peer(serving, "floor-three")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error.startswith("Unreadable: response") and not result.skipped_objects
        peer.refresh_from_db()
        assert peer.pull_cursor == DATES[2]
        assert _held(indicators) == {body["id"] for body in indicators[:3]}
    finally:
        serving.close()


def test_an_empty_page_that_says_more_moves_past_what_it_covered_or_says_why_not(
        settings: Any) -> None:
    # A peer that filters after cutting its pages (TAXII lets it send fewer than `limit`)
    # sends an empty page with `more` at the small limits a page too large leads to.
    settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    indicators = [_green_indicator(number) for number in range(3)]
    texts = [json.dumps(body).encode() for body in indicators]
    hidden_text = json.dumps(_green_indicator(50)).encode()
    serving = FlexiblePeer(list(zip(DATES, [hidden_text, _too_large(), *texts], strict=False)),
                           hidden=frozenset({DATES[0]}))
    try:
        peer = _flexible_peer(serving, "filtering")
        results = [pull_from_peer(peer.pk, attempts=1) for _sync in range(3)]
        peer.refresh_from_db()
        # Either the rest is imported, or the pull says it is stuck (nothing unseen).
        assert _held(indicators) == {body["id"] for body in indicators} or all(
            result.error for result in results), (
            f"cursor {peer.pull_cursor!r}, errors {[r.error for r in results]}, "
            f"limits {serving.limits}")
    finally:
        serving.close()


def test_an_object_dated_in_the_future_never_takes_the_cursor_past_what_comes_later(
        settings: Any) -> None:
    settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    later = [_green_indicator(number) for number in range(3)]
    items = [(DATES[0], json.dumps(_green_indicator(7)).encode()),
             ("2999-01-01T00:00:00.000000Z", _too_large())]
    serving = FlexiblePeer(items)
    try:
        peer = _flexible_peer(serving, "future")
        pull_from_peer(peer.pk, attempts=1)
        # The peer adds three objects today (its entries are ordered by date added here,
        # the future-dated one stays where the peer dated it).
        items[1:1] = [(DATES[1 + n], json.dumps(body).encode()) for n, body in enumerate(later)]
        result = pull_from_peer(peer.pk, attempts=1)
        peer.refresh_from_db()
        assert _held(later) == {body["id"] for body in later} or result.error, (
            f"cursor {peer.pull_cursor!r}: later objects never pulled")
    finally:
        serving.close()


class StuckPeer:
    """Stands in for PeerClient: serves the same page, with `more`, and a header date that
    never moves past the cursor (`dates` one per request, cycling)."""

    def __init__(self, objects: list[dict[str, Any]], dates: list[str]) -> None:
        self.objects, self.dates = objects, dates
        self.requests: list[str] = []

    def __call__(self, _peer: Any) -> StuckPeer:
        return self

    def get_objects(self, *, added_after: str = "", limit: int = 1000) -> Page:
        self.requests.append(added_after)
        date = self.dates[(len(self.requests) - 1) % len(self.dates)]
        return Page(envelope={"more": True, "objects": self.objects}, date_added_last=date)


@pytest.mark.parametrize("dates", [
    [DATES[0]],  # the header never moves
    [DATES[5], DATES[1]],  # it goes backwards, then forwards again
], ids=["same-date", "backwards"])
def test_a_header_date_that_does_not_move_past_the_cursor_stops_the_pull_saying_so(
        monkeypatch: Any, dates: list[str]) -> None:
    stuck = StuckPeer([_green_indicator(1)], dates)
    monkeypatch.setattr(services, "PeerClient", stuck)
    from tests.factories import make_organisation

    peer = create_peer(actor=OPERATOR, name="stuck", api_root_url="http://127.0.0.1:9/taxii2/a/",
                       collection_id=str(uuid.uuid4()), direction="pull",
                       organisation=make_organisation(slug="stuck-org"))
    result = pull_from_peer(peer.pk, attempts=1, max_pages=60)
    # Expected: the pull notices that the cursor does not advance and stops, saying so.
    assert len(stuck.requests) <= 3 and result.error, (
        f"{len(stuck.requests)} requests, {result.pages} pages, error {result.error!r}")


class LargeErrorPeer(LoopbackPeer):
    """Answers every GET with an HTTP 503 whose body (an error page) is over the limit."""

    def __init__(self) -> None:
        self.requests = 0
        peer = self

        class Handler(EnvelopeHandler):
            def do_GET(self) -> None:
                peer.requests += 1
                body = b"<html>" + b"x" * 5000 + b"</html>"
                self.send_response(503)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self._serve(Handler)


def test_a_server_error_with_a_large_body_is_an_outage_not_a_refusal(settings: Any) -> None:
    settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    serving = LargeErrorPeer()
    try:
        peer = _flexible_peer(serving, "large-503")  # type: ignore[arg-type]
        with pytest.raises(PeerUnavailable):
            pull_from_peer(peer.pk, attempts=3, sleep=lambda _seconds: None)
        assert serving.requests == 3
    finally:
        serving.close()


def test_an_unreadable_object_sharing_its_date_with_a_readable_one_is_never_passed_over(
        settings: Any) -> None:
    # Objects added in one request share their date added: passing the cursor over the
    # unreadable one would pass over the readable one too. The pull stays, saying why.
    settings.CIVICSHIELD_FEDERATION_MAX_RESPONSE_BYTES = 2500
    readable = _green_indicator(1)
    serving = FlexiblePeer([(DATES[0], _too_large()),
                            (DATES[0], json.dumps(readable).encode())])
    try:
        peer = _flexible_peer(serving, "same-moment")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error.startswith("Unreadable") and not result.skipped_objects
        peer.refresh_from_db()
        assert peer.pull_cursor == ""
    finally:
        serving.close()


def test_a_peer_writing_its_dates_with_an_offset_is_pulled_and_its_cursor_kept_with_z(
        ) -> None:
    indicators = [_green_indicator(number) for number in range(2)]
    dates = [date.replace("Z", "+00:00") for date in DATES]
    serving = FlexiblePeer([(dates[number], json.dumps(body).encode())
                            for number, body in enumerate(indicators)])
    try:
        peer = _flexible_peer(serving, "offset-dates")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error == ""
        assert _held(indicators) == {body["id"] for body in indicators}
        peer.refresh_from_db()
        assert peer.pull_cursor == DATES[1]
    finally:
        serving.close()
