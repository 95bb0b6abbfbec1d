"""`dlp postfix-check` against Debian's stock master.cf, the doc's configuration and ways to get
it wrong, each read through the real `postconf`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dlp.cli import main
from dlp.postfix_config import Expected, check_instance, parse_master
from tests.gateway.harness import REPO
from tests.gateway.postfix_doc import STOCK_MASTER_CF, doc_blocks

pytestmark = pytest.mark.skipif(
    shutil.which("postconf") is None or not STOCK_MASTER_CF.exists(),
    reason="no Postfix (apt-get install postfix)",
)

# The previous docs/postfix.md, pasted below Debian's lines as it told the reader to.
OLD_DOC = """\
smtp      inet  n       -       y       -       -       smtpd
  -o content_filter=scan:[127.0.0.1]:10025
scan      unix  -       -       n       -       10      smtp
  -o smtp_send_xforward_command=yes
127.0.0.1:10026 inet n  -       n       -       10      smtpd
  -o content_filter=
  -o mynetworks=127.0.0.0/8
  -o smtpd_relay_restrictions=permit_mynetworks,reject
"""


def stock(tmp_path: Path, main_cf: str = "message_size_limit = 36700160\n") -> Path:
    (tmp_path / "main.cf").write_text(main_cf)
    shutil.copy(STOCK_MASTER_CF, tmp_path / "master.cf")
    return tmp_path


def with_doc(tmp_path: Path, *tags: str) -> Path:
    """The doc's master.cf commands (the `sh postfix-test` blocks that edit it, then those of
    ``tags``) on the stock."""
    folder = stock(tmp_path)
    blocks = [block for tag in ("postfix-test", *tags) for block in doc_blocks(tag)]
    for block in blocks:
        if block.kind == "sh" and "postconf -" in block.text and "postmap" not in block.text:
            subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block.text],
                env={"MAIL_CONFIG": str(folder), "PATH": "/usr/sbin:/usr/bin:/bin"},
                check=True,
            )
    return folder


def postconf(folder: Path, *args: str) -> None:
    subprocess.run(["postconf", "-c", str(folder), *args], check=True)


def texts(folder: Path) -> list[str]:
    return [str(finding) for finding in check_instance(folder)]


def test_debian_stock_lets_port_25_and_sendmail_around(tmp_path: Path) -> None:
    found = texts(stock(tmp_path))
    assert any(text.startswith("smtp/inet: no content_filter") for text in found)
    assert any(text.startswith("pickup/unix: no content_filter") for text in found)
    assert any("no re-injection listener" in text for text in found)


def test_the_doc_configuration_has_no_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = with_doc(tmp_path)
    assert texts(folder) == []
    assert main(["postfix-check", "--config-dir", str(folder)]) == 0
    assert "every way in passes" in capsys.readouterr().out


def test_the_old_doc_pasted_a_second_smtp_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = stock(tmp_path)
    with (folder / "master.cf").open("a") as master:
        master.write(OLD_DOC)
    found = texts(folder)
    assert any(text.startswith("smtp/inet: 2 entries") for text in found)
    assert any(text.startswith("smtp/inet: no content_filter") for text in found)  # Debian's
    assert any(text.startswith("pickup/unix: no content_filter") for text in found)
    assert any("message_size_limit 36700160 on the re-injection path" in t for t in found)
    assert main(["postfix-check", "--config-dir", str(folder)]) == 1
    assert "smtp/inet: 2 entries" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("-P", "submission/inet/content_filter="), "submission/inet: no content_filter"),
        (
            ("-M", "smtps/inet=smtps inet n - n - - smtpd"),
            "smtps/inet: no content_filter",
        ),
        (
            ("-P", "127.0.0.1:10026/inet/content_filter=scan:[127.0.0.1]:10025"),
            "filters again",
        ),
        (("-P", "cleanup-reinject/unix/message_size_limit=36700160"), "re-injection path"),
        (("-P", "127.0.0.1:10026/inet/cleanup_service_name=cleanup"), "re-injection path"),
        (("-PX", "127.0.0.1:10026/inet/mynetworks"), "limit it with -o mynetworks"),
        (("-P", "pickup/unix/content_filter=filter:[127.0.0.1]:10025"), "'filter'"),
    ],
)
def test_each_way_around_is_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    folder = with_doc(tmp_path)
    postconf(folder, *change)
    assert any(expected in text for text in texts(folder)), texts(folder)


def test_a_reinjection_listener_off_loopback(tmp_path: Path) -> None:
    folder = with_doc(tmp_path)
    master = (folder / "master.cf").read_text().replace("127.0.0.1:10026 inet", "10026 inet")
    (folder / "master.cf").write_text(master)
    assert any(
        "not on loopback" in str(finding)
        for finding in check_instance(folder, Expected(reinject="10026"))
    )


def test_options_in_braces_are_read() -> None:
    [service] = parse_master(
        "submission inet n - n - - smtpd -o { content_filter = scan:[127.0.0.1]:10025 }"
        " -o syslog_name=postfix/submission"
    )
    assert service.options == {
        "content_filter": "scan:[127.0.0.1]:10025",
        "syslog_name": "postfix/submission",
    }


def test_content_filter_in_main_cf_covers_every_service_but_the_reinjection(
    tmp_path: Path,
) -> None:
    folder = with_doc(tmp_path)
    postconf(folder, "-PX", "pickup/unix/content_filter", "smtp/inet/content_filter")
    assert any(text.startswith("pickup/unix: no content_filter") for text in texts(folder))
    postconf(folder, "-e", "content_filter = scan:[127.0.0.1]:10025")
    assert texts(folder) == []
    postconf(folder, "-PX", "127.0.0.1:10026/inet/content_filter")
    assert any("filters again" in text for text in texts(folder))


def test_the_doc_split_for_an_inbound_mx(tmp_path: Path) -> None:
    folder = with_doc(tmp_path, "postfix-inbound")
    master = (folder / "master.cf").read_text()
    assert "\nsmtp      inet" not in master and "10.0.0.25:smtp inet" in master
    assert check_instance(folder, Expected(inbound=["203.0.113.25:smtp"])) == []
    # Unnamed, the inbound listener is what it is: a way in without the filter.
    assert [str(finding) for finding in check_instance(folder)] == [
        "203.0.113.25:smtp/inet: no content_filter: mail it takes in goes around the gateway"
    ]
    # Named inbound but relaying for mynetworks: outbound mail could use it.
    postconf(
        folder,
        "-P",
        "203.0.113.25:smtp/inet/smtpd_relay_restrictions=permit_mynetworks,"
        "reject_unauth_destination",
    )
    [finding] = check_instance(folder, Expected(inbound=["203.0.113.25:smtp"]))
    assert "relays (permit_mynetworks)" in str(finding)


def test_checked_against_the_gateway_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "postfix").mkdir()
    folder = with_doc(tmp_path / "postfix")
    sample = REPO / "deploy" / "etc-dlp" / "gateway.toml"
    # The doc's Postfix and deploy/'s sample gateway agree on ports and sizes.
    assert main(["postfix-check", "--config-dir", str(folder), "--config", str(sample)]) == 0
    capsys.readouterr()
    gateway = tmp_path / "gateway.toml"
    gateway.write_text(
        sample.read_text()
        .replace('listen = "127.0.0.1:10025"', 'listen = "127.0.0.1:10027"')
        .replace("max_message_bytes = 36700160", "max_message_bytes = 10485760")
    )
    assert main(["postfix-check", "--config-dir", str(folder), "--config", str(gateway)]) == 1
    out = capsys.readouterr().out
    assert "smtp/inet: content_filter scan:[127.0.0.1]:10025 does not name the gateway" in out
    assert "pickup/unix: content_filter" in out
    assert "main.cf: message_size_limit 36700160 is more than the gateway's" in out
