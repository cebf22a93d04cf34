"""The audience's addresses the members sink must never send, held compactly.

Loaded at the start of each write session (``GET .../members?status=...``,
``fields=members.email_address``, 1000 per page): unsubscribed and cleaned
members are ``suppressed``; archived members are held back too, because the
API shows an archived member's status only as ``archived`` (Cauce cannot
tell whether they had unsubscribed) and adding them again would revive them
with ``status_if_new``.

Each address is kept as the first 8 bytes of its MD5 in a sorted
``array('Q')``: 8 bytes per address, so a million suppressed addresses cost
8 MB, not the ~150 MB of a set of strings. Two different addresses sharing a
64-bit prefix would make the second one look suppressed too: a harmless
error (it is skipped, never subscribed), and vanishingly rare.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.connectors.mailchimp.streams import stable_pages

SUPPRESSED = "suppressed"
ARCHIVED = "archived: unarchive the contact in Mailchimp to sync it again"
LOADED = (("unsubscribed", SUPPRESSED), ("cleaned", SUPPRESSED), ("archived", ARCHIVED))


def fingerprint(email: str) -> int:
    digest = hashlib.md5(email.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _contains(values: array[int], value: int) -> bool:
    at = bisect_left(values, value)
    return at < len(values) and values[at] == value


class SuppressionList:
    """Unsubscribed, cleaned and archived addresses of one audience, for one write session."""

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client
        self._sets: list[tuple[array[int], str]] | None = None
        self._late: set[int] = set()

    def load(self) -> None:
        path = f"/lists/{self.client.list_id}/members"
        loaded: list[tuple[array[int], str]] = []
        for status, reason in LOADED:
            values: array[int] = array("Q")
            params = {"status": status, "fields": "members.email_address,total_items"}
            size = self.client.config.page_size
            for member in stable_pages(self.client, path, "members", params, size):
                email = member.get("email_address")
                if email:
                    values.append(fingerprint(str(email)))
            loaded.append((array("Q", sorted(values)), reason))
        self._sets = loaded

    def reason(self, email: str) -> str | None:
        """Why ``email`` must not be sent, or None when it may."""
        if self._sets is None:
            self.load()
        assert self._sets is not None
        value = fingerprint(email)
        if value in self._late:
            return SUPPRESSED
        for values, reason in self._sets:
            if _contains(values, value):
                return reason
        return None

    def __contains__(self, email: object) -> bool:
        return isinstance(email, str) and self.reason(email) is not None

    def add(self, email: str) -> None:
        """Remember an address Mailchimp reported in a compliance state during the session."""
        self._late.add(fingerprint(email))
