"""A tiny authoritative DNS server on loopback UDP, for MX look-ups in tests (dnspython)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Set as AbstractSet

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(
        self, records: dict[tuple[str, str], list[str]], nxdomain: AbstractSet[str] = frozenset()
    ) -> None:
        self.records = {
            (name.rstrip(".").lower(), kind): data for (name, kind), data in records.items()
        }
        self.nxdomain = {name.lower() for name in nxdomain}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        self.socket.settimeout(0.05)  # closing does not wake a blocked recvfrom: poll a flag
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                data, peer = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            question = query.question[0]
            name = question.name.to_text(omit_final_dot=True).lower()
            kind = dns.rdatatype.to_text(question.rdtype)
            if name in self.nxdomain:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif (name, kind) in self.records:
                response.answer.append(
                    dns.rrset.from_text_list(
                        question.name,
                        60,
                        dns.rdataclass.IN,
                        question.rdtype,
                        self.records[(name, kind)],
                    )
                )
            self.socket.sendto(response.to_wire(), peer)

    def __enter__(self) -> DnsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.socket.close()
