"""A private Postfix on loopback for integration tests: own config, queue and data folders.

The master runs in the foreground (``master -c DIR -d``) so nothing under /etc is touched;
the test stops it by its process id.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MASTER = Path("/usr/lib/postfix/sbin/master")

QUEUE_FOLDERS = (
    "active",
    "bounce",
    "corrupt",
    "defer",
    "deferred",
    "flush",
    "hold",
    "incoming",
    "private",
    "saved",
    "trace",
)

SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def available() -> str | None:
    """None when a Postfix can run here, else why not."""
    if not MASTER.exists():
        return f"{MASTER} is absent (apt-get install postfix)"
    if os.geteuid() != 0:
        return "running Postfix's master needs root"
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError:
        return "no postfix user or postdrop group"
    return None


class Postfix:
    """Listens on ``inbound_port`` (content filter to the gateway on ``filter_port``) and on
    ``reinject_port`` (no filter), and relays everything to ``[127.0.0.1]:relay_port``."""

    def __init__(
        self, inbound_port: int, reinject_port: int, filter_port: int, relay_port: int
    ) -> None:
        # Under /tmp, not pytest's 0700 folder: Postfix's processes run as the postfix user.
        self.root = Path(tempfile.mkdtemp(prefix="dlp-postfix-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.config = self.root / "etc"
        self.queue = self.root / "queue"
        self.data = self.root / "data"
        self.inbound_port = inbound_port
        self.reinject_port = reinject_port
        self.filter_port = filter_port
        self.relay_port = relay_port
        self.process: subprocess.Popen[bytes] | None = None

    def base_main_cf(self) -> str:
        """What every private instance needs: its own folders, loopback only, no local
        delivery, everything relayed to the sink."""
        return f"""\
compatibility_level = 3.6
config_directory = {self.config}
queue_directory = {self.queue}
data_directory = {self.data}
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.test
mydomain = test
myorigin = postfix.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
local_transport = error:local delivery is disabled
relayhost = [127.0.0.1]:{self.relay_port}
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = /dev/stdout
"""

    def _write_config(self) -> None:
        self.config.mkdir()
        (self.config / "main.cf").write_text(
            self.base_main_cf() + "queue_run_delay = 1s\nminimal_backoff_time = 1s\n"
        )
        (self.config / "master.cf").write_text(f"""\
127.0.0.1:{self.inbound_port} inet n - n - - smtpd
  -o content_filter=scan:[127.0.0.1]:{self.filter_port}
127.0.0.1:{self.reinject_port} inet n - n - - smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
  -o mynetworks=127.0.0.0/8
  -o smtpd_relay_restrictions=permit_mynetworks,reject
scan      unix  -       -       n       -       4       smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
  -o smtp_tls_security_level=none
{SERVICES}""")

    def _make_queue(self) -> None:
        postfix = pwd.getpwnam("postfix").pw_uid
        postdrop = grp.getgrnam("postdrop").gr_gid
        self.queue.mkdir(mode=0o755)
        (self.queue / "pid").mkdir(mode=0o755)  # the master's pid file, owned by root
        for name in QUEUE_FOLDERS:
            folder = self.queue / name
            folder.mkdir(mode=0o700)
            os.chown(folder, postfix, -1)
        for name, mode in (("maildrop", 0o730), ("public", 0o710)):
            folder = self.queue / name
            folder.mkdir()
            os.chown(folder, postfix, postdrop)
            os.chmod(folder, mode)
        self.data.mkdir(mode=0o700)
        os.chown(self.data, postfix, -1)

    def postconf(self, *args: str) -> str:
        """``postconf`` on this instance's configuration (``MAIL_CONFIG``), as the doc runs it."""
        return subprocess.run(
            ["postconf", *args], env=self.env(), check=True, capture_output=True, text=True
        ).stdout

    def env(self) -> dict[str, str]:
        return {**os.environ, "MAIL_CONFIG": str(self.config)}

    def start(self) -> None:
        self._write_config()
        self._make_queue()
        with (self.root / "master.out").open("wb") as log:
            self.process = subprocess.Popen(
                [str(MASTER), "-c", str(self.config), "-d"], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postfix master exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.inbound_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"postfix did not start: {self.log()}")

    def log(self, tail: int | None = 4000) -> str:
        """The end of Postfix's log (all of it with ``tail=None``)."""
        parts = []
        for name in ("master.out", "maillog"):
            path = self.root / name
            if path.exists():
                text = path.read_text(errors="replace")
                parts.append(text if tail is None else text[-tail:])
        return "\n".join(parts)

    def queued(self, *folders: str) -> list[Path]:
        return [
            path
            for name in folders or ("incoming", "active", "deferred", "hold")
            for path in (self.queue / name).rglob("*")
            if path.is_file()
        ]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # the master stops its children
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
