"""dlp.tomlreader: the one reader of the policy, the settings and the recognizer files reports
every error at once, each with its file, line and key."""

from __future__ import annotations

import pytest

from dlp.detect.specs import SpecError, parse_entity_spec
from dlp.policy import PolicyError, parse_policy
from dlp.settings import SettingsError, parse_settings
from dlp.tomlreader import ConfigError, Reader


def test_settings_report_every_section_in_error_not_only_the_first() -> None:
    text = (
        "[gateway]\nmax_recipients = 0\n"
        "[delivery]\nthreads = 0\n"
        '[logging]\nlevel = "loud"\n'
        "[web]\nwat = 1\n"
    )
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, "g.toml")
    assert [error.line_text() for error in caught.value.errors] == [
        "g.toml:2: gateway.max_recipients: must be at least 1",
        "g.toml:4: delivery.threads: must be at least 1",
        "g.toml:8: web.wat: unknown key (misspelled?)",
        "g.toml:6: logging.level: must be one of debug, info, warning, error",
    ]


def test_a_recognizer_file_reports_every_error_with_its_line_and_key() -> None:
    text = (
        "entity_type = 1\n"
        'category = "NOPE"\n'
        'mask = "stars"\n'
        "[[patterns]]\n"
        'name = "a"\n'
        'regex = "L-[0-9]{4}"\n'
        "score = 2\n"
        "[[patterns]]\n"
        'name = "b"\n'
        'regex = "("\n'
    )
    with pytest.raises(SpecError) as caught:
        parse_entity_spec(text, "x.toml")
    found = [(error.line, error.key) for error in caught.value.errors]
    assert found == [
        (1, "entity_type"),
        (2, "category"),
        (7, "patterns[0].score"),
        (10, "patterns[1].regex"),
        (3, "mask"),
    ]
    assert str(caught.value).splitlines()[2] == (
        "x.toml:7: patterns[0].score: must be more than 0.0 and at most 1.0"
    )


def test_the_three_files_fail_with_one_kind_of_error() -> None:
    for read, kind in (
        (lambda: parse_policy("version = [", "p.toml"), PolicyError),
        (lambda: parse_settings("[gateway", "s.toml"), SettingsError),
        (lambda: parse_entity_spec("x = ", "r.toml"), SpecError),
    ):
        with pytest.raises(kind) as caught:
            read()
        assert isinstance(caught.value, ConfigError)
        assert ": not valid TOML: " in str(caught.value)


@pytest.mark.parametrize(
    ("bounds", "value", "message"),
    [
        ({"minimum": 0.0, "maximum": 1.0}, 1.5, "must be between 0.0 and 1.0"),
        ({"minimum": 1}, 0, "must be at least 1"),
        ({"exclusive_minimum": 0.0}, 0, "must be more than 0.0"),
        ({"exclusive_minimum": 0.0, "maximum": 10}, 11, "must be more than 0.0 and at most 10"),
        ({"maximum": 5}, 6, "must be at most 5"),
        ({}, -1e9, None),  # a key without bounds states none, and takes any number
    ],
)
def test_bounds_are_what_the_caller_states(
    bounds: dict[str, float], value: float, message: str | None
) -> None:
    table = Reader("t.toml", f"n = {value}\n", ConfigError).parse()
    if message is None:
        assert table.number("n", **bounds) == value
        return
    with pytest.raises(ConfigError) as caught:
        table.number("n", **bounds)
    assert str(caught.value) == f"t.toml:1: n: {message}"
