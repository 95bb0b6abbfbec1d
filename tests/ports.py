"""Loopback ports for the servers the tests start."""

from __future__ import annotations

import socket

# Every port handed out in this run. Linux may give a port that was bound and released a moment
# ago to the next bind(0) again: two calls in a row could name one port twice, and two
# services configured on one port (Postfix's filtered and unfiltered listeners) merge into one.
_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port free now, and not handed out before in this run."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port
