from decimal import Decimal
from pathlib import Path

import pytest

from refundrecon.settings import Settings, SettingsError


def test_defaults_are_readable() -> None:
    settings = Settings.load()
    assert settings.matching.amount_tolerance == Decimal("2.00")
    assert settings.grace_hours == {"ledger": 48, "payments": 24, "sales": 24}
    assert settings.period == "week"
    assert settings.memory_limit == ""


def test_toml_numbers_are_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "recon.toml"
    path.write_text("[matching]\namount_tolerance = 0.10\n")
    assert Settings.load(path).matching.amount_tolerance == Decimal("0.10")


def test_a_user_file_overrides_a_subset(tmp_path: Path) -> None:
    path = tmp_path / "recon.toml"
    path.write_text('[grace_hours]\nledger = 72\n[store]\nmemory_limit = "1200MB"\n')
    settings = Settings.load(path)
    assert settings.grace_hours["ledger"] == 72
    assert settings.grace_hours["payments"] == 24
    assert settings.memory_limit == "1200MB"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[matching]\namount_tolerance = "abc"\n', "matching.amount_tolerance must be a decimal"),
        ('[matching]\namount_tolerance = "-1"\n', "matching.amount_tolerance must not be negative"),
        ("[grace_hours]\nledger = -3\n", "grace_hours.ledger must be a whole number of hours"),
        ('[report]\nperiod = "fortnight"\n', "report.period must be one of week, month, day"),
        ('[store]\nmemory_limit = "lots"\n', "store.memory_limit must look like"),
        ("not toml = = 1", "not valid TOML"),
    ],
)
def test_bad_values_are_named_by_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "recon.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        Settings.load(path)
