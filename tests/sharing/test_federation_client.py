"""The federation client's limits against a misbehaving peer: a real HTTP server on loopback
that sends its answer a few bytes at a time."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from civicshield.core.authz import OPERATOR
from civicshield.sharing.federation.client import PeerUnavailable
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


class AnsweringPeer(LoopbackPeer):
    """Answers every GET with `body`, a TAXII envelope, all at once."""

    def __init__(self, body: bytes) -> None:
        class Handler(EnvelopeHandler):
            def do_GET(self) -> None:
                self.start_envelope(length=len(body))
                self.wfile.write(body)

        self._serve(Handler)


def test_a_peer_that_sends_json_nested_too_deep_to_read_is_refused_and_recorded() -> None:
    # Deeper than Python's JSON decoder recurses, whatever the stack it starts from.
    depth = 100_000
    deep = AnsweringPeer(b'{"more": false, "objects": ' + b"[" * depth + b"]" * depth + b"}")
    try:
        peer = create_peer(actor=OPERATOR, name="deep", api_root_url=deep.api_root,
                           collection_id=str(uuid.uuid4()), direction="pull")

        result = pull_from_peer(peer.pk, attempts=1)

        assert result.error == "PeerRefused: the peer sent JSON nested too deep to read"
        peer.refresh_from_db()
        assert peer.last_error == result.error and peer.consecutive_failures == 1
        assert peer.pull_cursor == ""
    finally:
        deep.close()
