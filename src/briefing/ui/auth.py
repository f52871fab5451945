"""Login for the chat UI: where the password comes from, and a brake on guessing it.

Credentials come from ``--auth-file PATH`` (a file holding ``user:password`` lines), the
``BRIEFING_AUTH`` environment variable (``user:password``) or ``--auth user:password``; the
last one shows in ``ps`` and the process list, so the CLI warns about it and the other two
are the ones to use.  :class:`Throttled` makes the check Gradio runs on every login: after a failed login
for a user name, every further attempt for that name waits, one at a time, 1 s after the
first failure and twice as long after each further one (at most ``MAX_DELAY`` s), until a
login succeeds or ``FORGET_AFTER`` s pass without a failure.  Parallel guesses queue behind
each other, so the rate of guesses stays at one per delay whatever the client does.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import time
from collections import OrderedDict
from pathlib import Path

from ..errors import UsageError

AUTH_ENV = "BRIEFING_AUTH"
FIRST_DELAY = 1.0
MAX_DELAY = 16.0
FORGET_AFTER = 900.0
MAX_TRACKED_NAMES = 10_000


class AuthConfigError(UsageError):
    """Credentials that cannot be used; the message says what is wrong."""


def parse_credentials(text: str, where: str) -> dict[str, str]:
    """``user:password`` pairs, one a line (blank lines and ``#`` comments ignored)."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, separator, password = line.partition(":")
        if not separator or not user.strip() or not password:
            raise AuthConfigError(f"{where}, line {number}: expected user:password")
        pairs[user.strip()] = password
    if not pairs:
        raise AuthConfigError(f"{where} holds no user:password line")
    return pairs


def load_credentials(auth_file: Path | None, auth_arg: str | None, environ=os.environ) -> dict[str, str] | None:
    """The users allowed in: from ``--auth-file``, else ``--auth``, else ``$BRIEFING_AUTH``; None for no login.

    Raises AuthConfigError (exit code 2) for an unreadable file or a line without ``user:password``.
    """
    if auth_file is not None:
        try:
            text = Path(auth_file).read_text(encoding="utf-8")
        except OSError as error:
            raise AuthConfigError(f"cannot read --auth-file {auth_file}: {error.strerror or error}") from error
        return parse_credentials(text, str(auth_file))
    if auth_arg:
        return parse_credentials(auth_arg, "--auth")
    if environ.get(AUTH_ENV):
        return parse_credentials(environ[AUTH_ENV], AUTH_ENV)
    return None


class Throttled:
    """Gradio's ``auth`` callable: checks a password and slows down repeated failures per user name."""

    def __init__(
        self,
        users: dict[str, str],
        *,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        clock=time.monotonic,
    ):
        self._users = {name: password.encode() for name, password in users.items()}
        self._first, self._max, self._clock = first_delay, max_delay, clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # name -> (count, last failure)
        self._locks: dict[str, asyncio.Lock] = {}

    def delay_for(self, name: str) -> float:
        """Seconds the next attempt for ``name`` waits (0 without recent failures)."""
        count, last = self._failures.get(name, (0, 0.0))
        if not count or self._clock() - last > FORGET_AFTER:
            return 0.0
        return min(self._max, self._first * 2 ** (count - 1))

    def _check(self, name: str, password: str) -> bool:
        expected = self._users.get(name)
        given = password.encode()
        if expected is None:
            hmac.compare_digest(given, given)  # same work for unknown names
            return False
        return hmac.compare_digest(given, expected)

    def gradio_auth(self):
        """The ``auth`` argument for ``gr.Blocks.launch``: a coroutine function, which Gradio awaits.

        (An object with an async ``__call__`` would not do: Gradio would call it without awaiting,
        and the coroutine it returns is truthy.)
        """

        async def check(username: str, password: str) -> bool:
            return await self.attempt(username, password)

        return check

    async def attempt(self, username: str, password: str) -> bool:
        """True when ``password`` is right for ``username``; waits first after recent failures."""
        name = username[:200]
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:  # attempts for one name run one at a time
            delay = self.delay_for(name)
            if delay:
                await asyncio.sleep(delay)
            ok = self._check(name, password)
            if ok:
                self._failures.pop(name, None)
            else:
                count = self._failures.pop(name, (0, 0.0))[0]
                self._failures[name] = (count + 1, self._clock())
                while len(self._failures) > MAX_TRACKED_NAMES:
                    forgotten, _ = self._failures.popitem(last=False)
                    self._locks.pop(forgotten, None)
            return ok
