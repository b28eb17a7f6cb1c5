"""The peer registry and the provenance of what peers sent (docs/federation.md).

Imported at the end of `sharing/models.py`, so these are models of the `sharing` app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicshield.core.markings import TLP


class Direction(models.TextChoices):
    PULL = "pull", _("Pull (we fetch from the peer)")
    PUSH = "push", _("Push (we send to the peer)")
    BOTH = "both", _("Both")


class Peer(models.Model):
    """Another Civic Shield (or any TAXII 2.1 server) that we exchange with.

    Only registered, active peers are ever contacted: no URL from a request is fetched.
    The token is stored sealed (`federation.secrets`) and never shown back. A retired peer
    (`retired_at`) is inactive for good: kept, not deleted, so that what it sent keeps its
    provenance (`ReceivedFromPeer`).
    """

    name = models.CharField(max_length=120, unique=True)
    region = models.CharField(max_length=120, blank=True)
    api_root_url = models.URLField(max_length=500, help_text=_(
        "The peer's TAXII 2.1 API root, e.g. https://peer.example/taxii2/api/"))
    collection_id = models.CharField(max_length=36, help_text=_(
        "The id (UUID) of the peer's collection to read from and write to."))
    username = models.CharField(max_length=150, blank=True, help_text=_(
        "With a username the token is sent as HTTP Basic password, else as a Bearer token."))
    token_sealed = models.TextField(blank=True, editable=False)
    direction = models.CharField(max_length=4, choices=Direction.choices,
                                 default=Direction.PULL)
    widest_tlp = models.CharField(max_length=12, choices=TLP.choices, default=TLP.GREEN,
                                  help_text=_("The widest marking exchanged with this peer: "
                                              "nothing narrower is sent or accepted."))
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Owner of what the peer sends (default: the "
                                      "coordinating organisation)."))
    # TLP 2.0: only an originator adds recipients to AMBER. Addressing a report to this
    # group is how an originator here chooses to send it to the peer as well.
    amber_group = models.ForeignKey(
        "sharing.SharingGroup", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("AMBER that its originators here address to this "
                                      "sharing group is also pushed to the peer."))
    active = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False, help_text=_(
        "When the peer was retired: never contacted again, kept for provenance."))
    pull_cursor = models.CharField(max_length=40, blank=True, help_text=_(
        "The last `date_added` of the peer's collection imported (TAXII added_after)."))
    push_cursor = models.BigIntegerField(default=0, help_text=_(
        "The last of our TAXII entries offered to the peer."))
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("federation peer")
        constraints = [models.CheckConstraint(
            condition=models.Q(retired_at__isnull=True) | models.Q(active=False),
            name="retired_peer_is_inactive")]

    def __str__(self) -> str:
        return self.name

    @property
    def pulls(self) -> bool:
        return self.direction in (Direction.PULL, Direction.BOTH)

    @property
    def pushes(self) -> bool:
        return self.direction in (Direction.PUSH, Direction.BOTH)

    @property
    def has_token(self) -> bool:
        return bool(self.token_sealed)

    @property
    def has_credentials(self) -> bool:
        return bool(self.token_sealed or self.username)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def last_sync_at(self) -> object:
        moments = [m for m in (self.last_pull_at, self.last_push_at) if m]
        return max(moments) if moments else None


class ReceivedFromPeer(models.Model):
    """Provenance: this STIX object (and the report made of it) was received from `peer`.

    Used to say "received from peer X" and to never send the object back to X. A peer that
    sent something cannot be deleted (PROTECT): it is retired instead."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="received")
    stix_id = models.CharField(max_length=300)
    version = models.CharField(max_length=40, blank=True)
    received_in = models.ForeignKey("sharing.StixImport", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "stix_id"],
                                               name="received_from_peer_once")]
        indexes = [models.Index(fields=["stix_id"])]

    def __str__(self) -> str:
        return f"{self.stix_id} from {self.peer_id}"
