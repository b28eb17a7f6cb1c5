"""Peers registered before addresses with credentials were refused: the user name and
password move out of `api_root_url` (shown on the peers' pages and in the audit log) to
where credentials belong, `username` and the sealed token (docs/federation.md).

A credential already stored is kept and the address's is dropped, field by field. The
address's percent-escapes are undone, as `requests` did when it sent them. Earlier audit
entries of the peer that recorded the address lose its credentials too. One audit entry per
peer says what was moved and dropped, by field name only; nothing is printed.

What is sent changes for some peers (docs/federation.md has the full table). Before, a stored
username went with the stored token (or an empty password), whatever the address; without one,
`requests` sent the address's pair as HTTP Basic when it had a password part, over a stored
token's Bearer, and nothing of its own for a user name alone (`user@`). Now the stored values,
with the address's filling the empty fields, go as any peer's (Basic with a username, else
Bearer). So `https://:T0ken@host/` with nothing stored sent Basic with an empty user name and
`T0ken`, and now sends `Authorization: Bearer T0ken`; a username stored with no token and a
password in the address sent (username, "") and now sends (username, password); with only a
token stored, `user:pw@` sent (user, pw) and now sends (user, token). Nothing changes with both
a username and a token stored, nor with nothing stored and `user:pw@` (a user name of at most
150 characters, as `username` allows). Errors that quoted the old address are cleaned by
sharing 0012."""

from urllib.parse import unquote, urlsplit, urlunsplit

from django.db import migrations

ACTION = "federation.peer.credentials_moved"
USERNAME_MAX_LENGTH = 150  # Peer.username


def _without_credentials(address):
    """`address` less its user name and password, and both (None when absent); None
    for an address that has none or cannot be read."""
    try:
        parts = urlsplit(address)
        username, password = parts.username, parts.password
    except ValueError:
        return None
    if username is None and password is None:
        return None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host)), username, password


def move_credentials_out_of_addresses(apps, schema_editor):
    from civicshield.sharing.federation.secrets import seal

    Peer = apps.get_model("sharing", "Peer")
    AuditEntry = apps.get_model("core", "AuditEntry")
    alias = schema_editor.connection.alias
    # Credentials need an "@" before the host: only those rows are read.
    for peer in Peer.objects.using(alias).filter(api_root_url__contains="@").order_by("pk"):
        found = _without_credentials(peer.api_root_url)
        if found is None:
            continue  # an "@" in the path or query, not in the authority
        address, username, password = found
        peer.api_root_url = address
        fields, moved, dropped = ["api_root_url"], [], []
        username, password = unquote(username or ""), unquote(password or "")
        if username:
            if peer.username or len(username) > USERNAME_MAX_LENGTH:
                dropped.append("username")
            else:
                peer.username = username
                fields.append("username")
                moved.append("username")
        if password:
            if peer.token_sealed:
                dropped.append("password")
            else:
                peer.token_sealed = seal(password)
                fields.append("token_sealed")
                moved.append("password")
        peer.save(update_fields=fields)
        redacted = _redact_earlier_entries(AuditEntry.objects.using(alias), peer)
        AuditEntry.objects.using(alias).create(
            actor=None, actor_label="system", organisation_slug="", surface="system",
            action=ACTION, object_type="sharing.peer", object_id=str(peer.pk),
            object_repr=peer.name[:200],
            details={"api_root_url": address, "moved": moved, "dropped": dropped,
                     "redacted_entries": redacted,
                     "migration": "sharing.0010_peer_credentials_out_of_address"})


def _redact_earlier_entries(entries, peer):
    """Take the credentials out of the addresses the peer's audit entries recorded (its
    registration and edits): how many entries were changed."""
    changed = 0
    for entry in entries.filter(object_type="sharing.peer", object_id=str(peer.pk),
                                action__startswith="federation.peer."):
        details = entry.details if isinstance(entry.details, dict) else {}
        recorded = details.get("api_root_url")
        found = _without_credentials(recorded) if isinstance(recorded, str) else None
        if found is None:
            continue
        entry.details = {**details, "api_root_url": found[0],
                         "api_root_url_credentials_removed": True}
        entry.save(update_fields=["details"])
        changed += 1
    return changed


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_initial"),
        ("sharing", "0009_taxii_entry_per_record"),
    ]

    operations = [
        # Not reversible in substance: the credentials stay where they now belong.
        migrations.RunPython(move_credentials_out_of_addresses, migrations.RunPython.noop),
    ]
