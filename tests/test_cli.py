"""``claimdesk --help`` leads with ClaimDesk's own commands, one line each."""

import pytest

from claimdesk import cli


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"], ["help"]])
def test_help_lists_our_commands_first_one_line_each(argv, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    cli.main(argv)
    out = capsys.readouterr().out
    ours = out[out.index("ClaimDesk's commands:") : out.index("Django's own commands")]
    rows = [line for line in ours.splitlines()[1:] if line.strip()]
    names = [row.split()[0] for row in rows]
    expected = "run demo sweep import-claims verify-ledger workdays payments-reconcile"
    assert set(f"{expected} compliance-check white-paper".split()) <= set(names)
    assert "migrate" not in names and "runserver" not in names
    assert all(len(row) <= 100 and len(row.split(None, 1)) == 2 for row in rows)
    assert "claimdesk help --all" in out


def test_help_all_is_djangos_full_list(capsys):
    cli.main(["help", "--all"])
    out = capsys.readouterr().out
    assert "migrate" in out and "sweep" in out


def test_one_line_keeps_the_first_sentence_and_cuts_at_a_word():
    assert cli.one_line("Run one sweep now.  Prints\n counts.") == "Run one sweep now."
    cut = cli.one_line("word " * 40, width=30)
    assert len(cut) <= 30 and cut.endswith("word…")
