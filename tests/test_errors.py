"""One error model: expected failures exit with their code and one line; bugs keep their traceback."""

from __future__ import annotations

import pytest

from briefing import cli
from briefing.errors import (
    BadInputError,
    BriefingError,
    CorpusEmptyError,
    CorpusError,
    GoldSetError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    ModelError,
    UploadRejected,
    UsageError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError, 2),
        (BadInputError, 2),
        (CorpusError, 2),
        (CorpusEmptyError, 2),
        (UploadRejected, 2),
        (GoldSetError, 2),
        (IndexMissingError, 1),
        (IndexMismatchError, 1),
        (IndexBusyError, 1),
        (ModelError, 1),
    ],
)
def test_every_expected_error_exits_with_its_code_and_one_line(error, code, monkeypatch, capsys):
    assert issubclass(error, BriefingError) and error.exit_code == code

    def fail(args):
        raise error("what went wrong; what to do")

    monkeypatch.setattr(cli, "_run_index", fail)
    assert cli.main(["index"]) == code
    assert capsys.readouterr().err == "briefing index: what went wrong; what to do\n"


def test_an_unexpected_error_is_not_hidden_as_bad_input(monkeypatch):
    def bug(args):
        raise ValueError("a bug")

    monkeypatch.setattr(cli, "_run_index", bug)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["index"])
