"""Many LDAP requests in flight on one connection, in an order that keeps dependent
changes apart.

A directory server answers requests on one connection as fast as it can write them, so
waiting for each answer before sending the next leaves it idle most of the time.
Pipeline keeps up to `window` requests in flight on an ldap3 ASYNC connection and hands
back each answer in the order the requests were sent. A request that touches a DN (or
lies below one) that an earlier request still in flight touches is sent only after that
one is answered: an OU is there before the entries in it, an entry before its move,
modification or deletion.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

import ldap3
from ldap3.core.exceptions import (
    LDAPOperationResult,
    LDAPResponseTimeoutError,
    LDAPSessionTerminatedByServerError,
)

from accounts.directory.layout import DnKey

WINDOW = 64
_POLL = 0.2  # seconds between looks at whether the server went away while waiting


@dataclass
class Answer:
    """A request's outcome: `error` is the server's refusal, None if it succeeded."""

    tag: Any
    response: list[dict]
    error: LDAPOperationResult | None


class Pipeline:
    def __init__(self, conn: ldap3.Connection, *, window: int | None = None, timeout: float = 30):
        self.conn = conn
        self.window = window or WINDOW
        self.timeout = timeout
        self._in_flight: deque[tuple[int, Any, tuple[DnKey, ...]]] = deque()
        self._busy: Counter[DnKey] = Counter()

    def make_room(self, keys: tuple[DnKey, ...]) -> list[Answer]:
        """Wait until nothing in flight touches `keys` or their parents and the window has
        room; the answers collected meanwhile, oldest first."""
        answers = []
        while self._in_flight and (len(self._in_flight) >= self.window or self._blocked(keys)):
            answers.append(self._next())
        return answers

    def sent(self, keys: tuple[DnKey, ...], message_id: int, tag: Any) -> None:
        """Note a request sent after make_room(keys); its answer will carry `tag`."""
        self._in_flight.append((message_id, tag, keys))
        self._busy.update(keys)

    def drain(self) -> list[Answer]:
        """Wait for every request in flight; their answers, oldest first."""
        return [self._next() for _ in range(len(self._in_flight))]

    def call(self, message_id: int) -> list[dict]:
        """Wait for the answer to one request sent outside the window (a follow-up read or
        write); raises the server's refusal as ldap3's LDAPOperationResult."""
        return self._wait(message_id)

    def _blocked(self, keys: tuple[DnKey, ...]) -> bool:
        busy = self._busy
        return any(key[i:] in busy for key in keys for i in range(len(key)))

    def _next(self) -> Answer:
        message_id, tag, keys = self._in_flight.popleft()
        self._busy.subtract(keys)
        for key in keys:
            if self._busy[key] <= 0:
                del self._busy[key]
        try:
            return Answer(tag, self._wait(message_id), None)
        except LDAPOperationResult as exc:
            return Answer(tag, [], exc)

    def _wait(self, message_id: int) -> list[dict]:
        deadline = time.monotonic() + self.timeout
        while True:
            if self.conn.closed:
                raise LDAPSessionTerminatedByServerError("the directory closed the connection")
            try:
                response, result = self.conn.get_response(message_id, timeout=_POLL)
            except LDAPResponseTimeoutError:
                if time.monotonic() > deadline:
                    raise
                continue
            except (TypeError, AttributeError) as exc:
                # The receiving thread closed the connection while we looked at it.
                raise LDAPSessionTerminatedByServerError(
                    "the directory closed the connection"
                ) from exc
            if result is None:
                raise LDAPSessionTerminatedByServerError("the directory closed the connection")
            return response or []
