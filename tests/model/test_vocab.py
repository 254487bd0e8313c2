from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, Pattern, RootCause


def test_every_pattern_has_a_root_cause() -> None:
    assert set(PATTERN_ROOT_CAUSE) == set(Pattern)


def test_root_cause_families() -> None:
    assert PATTERN_ROOT_CAUSE[Pattern.DROPPED_SYNC] is RootCause.INTEGRATION
    assert PATTERN_ROOT_CAUSE[Pattern.POS_RETURN_BYPASS] is RootCause.PROCESS
    assert PATTERN_ROOT_CAUSE[Pattern.IN_TRANSIT] is RootCause.TIMING
    assert PATTERN_ROOT_CAUSE[Pattern.UNKNOWN] is RootCause.UNKNOWN
