"""`pantau extract`: one article, or many with --jsonl (one start serves them all); start-up
loads no part of the knowledge-base stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pantau.cli import cli

BERITA = "Bupati Ende, Yosef Badeoda, meresmikan pasar, Senin (15/9/2025)."
ANGGARAN = "Anggaran Rp 2,5 miliar untuk 1.200 pekerja rentan di Kupang."


def test_jsonl_over_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(BERITA, encoding="utf-8")
    b.write_text(ANGGARAN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(a), str(b)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["input"]).name for r in rows] == ["a.txt", "b.txt"]
    assert rows[0]["officials"][0]["name"] == "Yosef Badeoda"
    assert rows[1]["amounts"][0]["value"] == 2_500_000_000


def test_jsonl_over_stdin_lines_keeps_going_past_a_bad_one() -> None:
    lines = [
        BERITA,
        json.dumps({"id": "a2", "text": ANGGARAN, "published": "2025-09-16"}),
        json.dumps({"id": "rusak", "text": "Senin (15/9).", "published": "kemarin"}),
        "",
        json.dumps({"id": "a4", "text": "Kamis (4/12) pasar dibuka.", "published": "2025-12-05"}),
    ]
    result = CliRunner().invoke(cli, ["extract", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in rows] == ["line 1", "a2", "rusak", "a4"]
    assert rows[2] == {"input": "rusak", "error": "published: not an ISO date: kemarin"}
    assert rows[3]["events"][0]["date"] == "2025-12-04"
    assert "1 input(s) failed" in result.stderr
    assert "Traceback" not in result.output


def test_one_file_without_jsonl(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(BERITA, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(a), str(a)])
    assert result.exit_code == 1
    assert "give one FILE (or --jsonl for several)" in result.stderr
    result = CliRunner().invoke(cli, ["extract", "-", "--json"], input=BERITA)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["regions"][0]["name"] == "Ende"


def test_extract_loads_no_kb_stack() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from pantau.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['extract', '-', '--json'], input={BERITA!r})\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlmodel', "
        "'alembic', 'sqlite_utils'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
