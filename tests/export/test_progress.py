from __future__ import annotations

import io

from dlp.export.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_say_files_bytes_rate_and_time_left():
    out = io.StringIO()
    progress = Progress(total_files=2, total_bytes=3_000_000, out=out)
    progress.advance(1_000_000)
    assert out.getvalue() == ""  # not yet due (every 10 s, and at the end)
    progress.advance(2_000_000)
    line = out.getvalue().strip()
    assert line.startswith("progress: 2/2 files, 3.0/3.0 MB, ")
    assert "MB/s" in line and "elapsed 0:00:0" in line and "left 0:00:00" in line
    progress.close()


def test_a_bar_on_a_terminal():
    out = Terminal()
    progress = Progress(total_files=3, total_bytes=3_000, out=out)
    progress.advance(1_000)
    progress.close()
    text = out.getvalue()
    assert "scanning:  33%" in text and "1/3 files" in text and "1.00k/3.00k" in text
    assert "B/s" in text and "<00:00" in text  # rate and time left


def test_silent_when_disabled():
    out = Terminal()
    progress = Progress(total_files=1, total_bytes=10, out=out, enabled=False)
    progress.advance(10)
    progress.close()
    assert out.getvalue() == ""
