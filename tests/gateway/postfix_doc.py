"""docs/postfix.md applied to a private Postfix: the blocks marked ``postfix-test``, run as
written on Debian's stock master.cf, with only the substitutions this module names.

Blocks: ```` ```sh postfix-test ```` is run by bash (``postconf``/``postmap`` act on this
instance through ``MAIL_CONFIG``); ```` ```text postfix-test file=PATH ```` is written to PATH.

Substitutions, and nothing else:
- ports: 10025 (the gateway) and 10026 (the re-injection listener) become free loopback ports;
  after the blocks have run, the ``smtp`` and ``submission`` inet services are renamed to
  ``127.0.0.1:<free port>`` (ports 25 and 587 need root and may be taken);
- paths: ``/etc/postfix`` becomes this instance's folder, the certificate and key files become
  the test's own;
- domains: the partner's MX (``smtp:gradebook-vendor.example``) becomes a loopback port and its
  TLS policy key that port's ``[127.0.0.1]:<port>``;
- chroot: every service runs outside a chroot (the private queue has no copy of /etc).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.gateway.certs import TlsFiles
from tests.gateway.harness import REPO
from tests.gateway.postfix import Postfix

DOC = REPO / "docs" / "postfix.md"
STOCK_MASTER_CF = Path("/usr/share/postfix/master.cf.dist")
FENCE = re.compile(r"^```(\w+) (postfix-[\w-]+)(?: file=(\S+))?\n(.*?)^```$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    kind: str  # "sh" or "text"
    file: str | None
    text: str


def doc_blocks(tag: str = "postfix-test", doc: Path = DOC) -> list[Block]:
    """The blocks marked ``tag``: ``postfix-test`` (the setup), ``postfix-inbound`` (the split
    of port 25 for an inbound MX, applied by tests/test_postfix_config.py)."""
    return [
        Block(kind, file, text)
        for kind, found, file, text in FENCE.findall(doc.read_text())
        if found == tag
    ]


@dataclass(frozen=True)
class Ports:
    smtp: int
    submission: int
    gateway: int
    reinject: int
    sink: int
    partner: int  # the partner who must get verified TLS


class DocPostfix(Postfix):
    def __init__(self, ports: Ports, tls: TlsFiles) -> None:
        super().__init__(ports.smtp, ports.reinject, ports.gateway, ports.sink)
        self.ports = ports
        self.tls = tls
        self.applied: list[Block] = []

    def substitute(self, text: str) -> str:
        ports = self.ports
        for old, new in (
            ("10025", str(ports.gateway)),
            ("10026", str(ports.reinject)),
            ("/etc/ssl/certs/mail.cusd.com.pem", str(self.tls.cert)),
            ("/etc/ssl/private/mail.cusd.com.key", str(self.tls.key)),
            ("/etc/postfix", str(self.config)),
            ("smtp:gradebook-vendor.example", f"smtp:[127.0.0.1]:{ports.partner}"),
        ):
            text = text.replace(old, new)
        return re.sub(
            r"^gradebook-vendor\.example(\s+secure)",
            rf"[127.0.0.1]:{ports.partner}\1",
            text,
            flags=re.M,
        )

    def _write_config(self) -> None:
        self.config.mkdir()
        # The test's own main.cf (folders, loopback, the sink as relayhost), the doc's on top.
        (self.config / "main.cf").write_text(self.base_main_cf())
        shutil.copy(STOCK_MASTER_CF, self.config / "master.cf")
        (self.config / "sasl").mkdir()
        for block in doc_blocks():
            self._apply(block)
        self._loopback_services()
        self._sasl_user("teacher", "cusd.com", "s3cret-teacher")

    def _apply(self, block: Block) -> None:
        text = self.substitute(block.text)
        if block.kind == "sh":
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", text],
                env=self.env(),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise RuntimeError(f"doc block failed: {text}\n{result.stderr}")
        else:
            assert block.file is not None
            path = Path(self.substitute(block.file))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.applied.append(block)

    def _loopback_services(self) -> None:
        master = (self.config / "master.cf").read_text()
        for name, port in (("smtp", self.ports.smtp), ("submission", self.ports.submission)):
            master, count = re.subn(
                rf"^{name}(\s+)inet\b", f"127.0.0.1:{port}\\1inet", master, flags=re.M
            )
            assert count == 1, f"{count} {name} inet entries after the doc's blocks"
        (self.config / "master.cf").write_text(master)
        self.postconf("-F", "*/*/chroot=n")

    def _sasl_user(self, user: str, realm: str, password: str) -> None:
        """The doc's sentence: `saslpasswd2 -f .../sasldb2 -u cusd.com teacher`, chgrp, chmod."""
        sasldb = self.config / "sasl" / "sasldb2"
        subprocess.run(
            ["saslpasswd2", "-p", "-c", "-f", str(sasldb), "-u", realm, user],
            input=password,
            text=True,
            check=True,
        )
        shutil.chown(sasldb, group="postfix")
        sasldb.chmod(0o640)

    def sendmail(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        """/usr/sbin/sendmail on this instance: postdrop into its maildrop, then pickup."""
        subprocess.run(
            ["/usr/sbin/sendmail", "-f", sender, "--", *recipients],
            input=raw.replace(b"\r\n", b"\n"),
            env=self.env(),
            check=True,
            timeout=30,
        )

    def flush(self) -> None:
        """The doc's `postqueue -f`."""
        subprocess.run(["postqueue", "-f"], env=self.env(), check=True, timeout=30)
