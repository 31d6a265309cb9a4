"""cocreate households / codes / ballot / audit: the whole story from the command line."""

import json
import subprocess

import pytest
from sqlalchemy import text

from cocreate_map.cli import main
from cocreate_map.storage.db import make_engine


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def demo(sqlite_url, monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "http://192.168.1.20:8501")  # the hall's address
    assert run("demo") == 0
    return sqlite_url


def test_register_codes_ballot_paper_votes_tally_notice_audit(demo, tmp_path, capsys):
    reg = tmp_path / "reg.csv"
    reg.write_text("楼栋,单元,房号,面积\n13,1,101,66.60\n13,1,102,70.00\n", "utf-8")
    assert run("households", "import", reg, "--community", "cotton-compound") == 0
    assert "2 households added" in capsys.readouterr().out
    slips = tmp_path / "slips.pdf"
    # the demo's ballot is open: slips for the two new flats only, nobody else's code changes
    assert run("codes", "--community", "cotton-compound", "--new-only", "--out", slips) == 0
    assert "wrote 2 household slips" in capsys.readouterr().out
    assert slips.read_bytes()[:4] == b"%PDF" and b"NotoSansCJK" in slips.read_bytes()
    capsys.readouterr()
    assert (
        run(
            "ballot", "create", "--community", "cotton-compound", "--title", "13栋加装电梯？",
            "--rule", "co-creation-two-thirds", "--param", "denominator=participants",
            "--buildings", "13",
        )
        == 0
    )  # fmt: skip
    ballot_id = int(capsys.readouterr().out.strip())
    assert run("meeting-pack", ballot_id, "--out", tmp_path / "pack.pdf") == 0
    assert "2 numbered paper ballots, 2 newly issued" in capsys.readouterr().out
    votes = tmp_path / "v.csv"
    votes.write_text(
        "building,unit,room,choice,ballot_no\n"
        f"13,1,101,同意,B{ballot_id}-0001\n13,1,102,反对,B{ballot_id}-0002\n"
    )
    assert run("ballot", "import-votes", ballot_id, votes) == 0
    assert "2 recorded" in capsys.readouterr().out
    assert run("ballot", "tally", ballot_id, "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rule"] == "co-creation-two-thirds"
    assert d["electorate"] == {"households": 2, "owner_heads": 2, "area_m2": "136.60"}
    assert d["participation"]["households"] == 2 and d["participation"]["met"] is True
    assert {c["choice"]: c["households"] for c in d["choices"]} == {"yes": 1, "no": 1, "abstain": 0}
    assert d["passed"] is False and d["winner"] is None and d["reasons"]
    assert d["consultative"] is False  # paper only
    notice = tmp_path / "notice.pdf"
    assert run("ballot", "notice", ballot_id, "--out", notice) == 0
    assert notice.read_bytes()[:4] == b"%PDF"
    assert run("ballot", "close", ballot_id) == 0
    assert run("ballot", "close", ballot_id) == 2
    assert "closed already" in capsys.readouterr().err
    assert run("ballot", "import-votes", ballot_id, votes) == 2
    assert "no longer accepted" in capsys.readouterr().err
    assert run("audit", "verify") == 0
    assert "OK" in capsys.readouterr().out


def test_bad_input_exits_2_with_one_line(demo, tmp_path, capsys):
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "x",
               "--rule", "simple-majority", "--param", "approval=0.3x") == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("cocreate: ") and err.count("\n") == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("building,unit,room\n1,1,101\n")
    assert run("households", "import", bad, "--community", "cotton-compound") == 2
    assert "lacks the column" in capsys.readouterr().err


def test_audit_verify_fails_on_an_edited_log(demo, capsys):
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "t",
               "--rule", "simple-majority") == 0  # fmt: skip
    engine = make_engine(demo)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1"))
    engine.dispose()
    capsys.readouterr()
    assert run("audit", "verify") == 1
    assert "FAILED" in capsys.readouterr().out


def test_ballot_on_options_defaults_to_the_special_rule_and_says_so(demo, tmp_path, capsys):
    capsys.readouterr()
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "采用哪个方案？",
               "--options", "方案A：草坪改车位，方案B：保留绿地") == 0  # fmt: skip
    out = capsys.readouterr()
    ballot_id = int(out.out.strip())  # stdout stays just the id
    assert "civil-code-special" in out.err and "方案A：草坪改车位 loses green" in out.err
    assert run("ballot", "tally", ballot_id, "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rule"] == "civil-code-special"
    assert d["ballot"]["options"] == ["方案A：草坪改车位", "方案B：保留绿地"]
    assert [c["choice"] for c in d["choices"]][:2] == ["方案A：草坪改车位", "方案B：保留绿地"]
    # --rule wins
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "A?",
               "--options", "方案A：草坪改车位", "--rule", "co-creation-two-thirds") == 0  # fmt: skip
    out = capsys.readouterr()
    assert out.out.strip().isdigit() and "statutory check (civil-code-special)" in out.err
    # unknown option: one line, the known ones listed
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "?",
               "--options", "方案Z") == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'方案Z'" in err and "方案C：平衡" in err


def test_ranked_tally_and_notice_show_rounds_in_china_time(demo, tmp_path, capsys, monkeypatch):
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "晾衣架颜色",
               "--rule", "simple-majority", "--kind", "ranked", "--choices", "蓝,绿,灰") == 0  # fmt: skip
    ballot_id = int(capsys.readouterr().out.strip())
    votes = tmp_path / "v.csv"
    votes.write_text(
        "building,unit,room,choice\n1,1,101,蓝|绿\n1,1,102,绿\n1,1,201,灰|绿\n1,1,202,绿\n"
        "1,1,301,蓝\n",
        "utf-8",
    )
    assert run("ballot", "import-votes", ballot_id, votes) == 0
    capsys.readouterr()
    assert run("ballot", "tally", ballot_id) == 0
    out = capsys.readouterr().out
    assert "round 1:" in out and "eliminated" in out and "Borda" in out
    from cocreate_map.io import reports_ballots

    texts: list[str] = []
    real = reports_ballots.FPDF.multi_cell

    def spy(self, w, h=None, text="", *a, **kw):
        texts.append(str(text))
        return real(self, w, h, text, *a, **kw)

    monkeypatch.setattr(reports_ballots.FPDF, "multi_cell", spy)
    notice = tmp_path / "notice.pdf"
    assert run("ballot", "notice", ballot_id, "--out", notice) == 0
    joined = "\n".join(texts)
    assert "Borda" in joined and "UTC" not in joined
    import re

    assert re.search(r"公示时间 Date: \d{4}-\d\d-\d\d \d\d:\d\d", joined)


def test_paper_votes_must_carry_the_numbers_the_pack_printed(demo, tmp_path, capsys):
    reg = tmp_path / "reg.csv"
    reg.write_text("楼栋,单元,房号,面积\n13,1,101,66.60\n13,1,102,70.00\n", "utf-8")
    assert run("households", "import", reg, "--community", "cotton-compound") == 0
    capsys.readouterr()
    assert run("ballot", "create", "--community", "cotton-compound", "--title", "13栋加装电梯？",
               "--rule", "simple-majority", "--buildings", "13") == 0  # fmt: skip
    bid = int(capsys.readouterr().out.strip())
    votes = tmp_path / "v.csv"
    votes.write_text(f"building,unit,room,choice,ballot_no\n13,1,101,同意,B{bid}-0001\n")
    assert run("ballot", "import-votes", bid, votes) == 2  # no pack printed yet
    err = capsys.readouterr().err
    assert f"line 2: ballot number B{bid}-0001 was never issued" in err
    assert f"cocreate meeting-pack {bid} --out pack.pdf" in err
    assert run("meeting-pack", bid, "--out", tmp_path / "pack.pdf") == 0
    capsys.readouterr()
    reg.write_text("楼栋,单元,房号,面积\n13,1,103,55.00\n", "utf-8")
    assert run("households", "import", reg, "--community", "cotton-compound") == 0
    assert run("meeting-pack", bid, "--out", tmp_path / "again.pdf") == 0
    out = capsys.readouterr().out
    assert "3 numbered paper ballots, 1 newly issued, 2 reprinted with their earlier numbers" in out
    engine = make_engine(demo)
    with engine.connect() as conn:
        issued = conn.execute(
            text(
                "SELECT h.room, p.ballot_no FROM paper_ballot_numbers p "
                "JOIN households h ON h.id = p.household_id WHERE p.ballot_id = :b ORDER BY h.room"
            ),
            {"b": bid},
        ).all()
    engine.dispose()
    assert [tuple(r) for r in issued] == [
        ("101", f"B{bid}-0001"),
        ("102", f"B{bid}-0002"),
        ("103", f"B{bid}-0003"),
    ]
    votes.write_text(
        "building,unit,room,choice,ballot_no\n"
        f"13,1,101,同意,B{bid}-0001\n13,1,102,反对,B{bid}-0003\n13,1,103,同意,B{bid}-0009\n"
    )
    assert run("ballot", "import-votes", bid, votes) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("cocreate: 2 bad line(s) in v.csv, no vote recorded")
        and err.count("\n") == 1
    )
    assert (
        f"line 3: ballot number B{bid}-0003 was issued to household 13-1-103, not 13-1-102" in err
    )
    assert f"line 4: ballot number B{bid}-0009 was not issued for ballot {bid}" in err
    votes.write_text(
        "building,unit,room,choice,ballot_no\n"
        f"13,1,101,同意,B{bid}-0001\n13,1,102,反对,B{bid}-0002\n13,1,103,同意,\n"
    )
    assert run("ballot", "import-votes", bid, votes) == 0
    assert "3 recorded" in capsys.readouterr().out
    assert run("audit", "verify") == 0


def _register(tmp_path, rows):
    reg = tmp_path / "reg.csv"
    reg.write_text("building,unit,room,area_m2,owner_id\n" + "".join(f"{r}\n" for r in rows))
    assert run("households", "import", reg, "--community", "cotton-compound") == 0


def _votes(tmp_path, ballot_id, rows):
    votes = tmp_path / f"v{ballot_id}.csv"
    votes.write_text("building,unit,room,choice\n" + "".join(f"{r}\n" for r in rows))
    assert run("ballot", "import-votes", ballot_id, votes) == 0


# (id, register rows, create args, votes, passed, local_passed, headline words, partial owners)
DECISIONS = [
    (
        "B5 local passes, the law does not",
        ["99,1,101,70,", "99,1,102,70,", "99,1,201,70,", "99,1,202,70,", "99,1,301,200,"],
        ["--rule", "co-creation-two-thirds", "--matter-class", "special"],
        ["99,1,101,同意", "99,1,102,同意", "99,1,201,同意", "99,1,202,同意"],
        False,
        True,
        [
            "依法未通过 — 参与面积 58.3 % < 66.7 %",
            "协商意见",
            "赞成 4/5",
            "Not passed in law — participation by area 58.3 % < 66.7 %",
        ],
        0,
    ),
    (
        "B6b owner X votes for 401 only: whole area, quorum met",
        [
            "99,1,101,90,",
            "99,1,102,90,",
            "99,1,201,40,",
            "99,1,202,120,",
            "99,1,301,25,X",
            "99,1,302,25,X",
            "99,1,401,90,X",
        ],
        ["--rule", "civil-code-special"],
        ["99,1,101,同意", "99,1,102,同意", "99,1,201,同意", "99,1,401,同意"],
        True,
        True,
        ["依法通过", "只对其中部分房屋投了票", "99-1-301、99-1-302"],
        1,
    ),
]


@pytest.mark.parametrize(
    ("register", "create", "votes", "passed", "local_passed", "words", "partial"),
    [c[1:] for c in DECISIONS],
    ids=[c[0] for c in DECISIONS],
)
def test_tally_and_close_announce_the_binding_outcome(
    demo, tmp_path, capsys, register, create, votes, passed, local_passed, words, partial
):
    _register(tmp_path, register)
    capsys.readouterr()
    args = [
        "ballot",
        "create",
        "--community",
        "cotton-compound",
        "--title",
        "B",
        *create,
        "--buildings",
        "99",
    ]
    assert run(*args) == 0
    ballot_id = int(capsys.readouterr().out.strip())
    _votes(tmp_path, ballot_id, votes)
    capsys.readouterr()
    assert run("ballot", "tally", ballot_id, "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["passed"], d["local_passed"]) == (passed, local_passed)
    assert d["decision"]["basis"] == "statutory" and len(d["partial_owners"]) == partial
    assert run("ballot", "tally", ballot_id) == 0
    out = capsys.readouterr().out
    assert all(w in out for w in words), out
    notice = tmp_path / "notice.pdf"
    assert run("ballot", "notice", ballot_id, "--out", notice) == 0
    text = subprocess.run(["pdftotext", str(notice), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert f"结果：{words[0]}" in flat, flat  # the binding outcome is the headline of the 公示
    assert "DOMAIN.md" not in flat and "民法典第二百七十八条" in flat  # the statute, cited
    assert run("ballot", "close", ballot_id) == 0
    closed = capsys.readouterr().out
    assert f"closed: {'passed' if passed else 'invalid'}" in closed and words[0] in closed


def test_choose_one_tie_is_announced_with_the_declared_tie_break(demo, tmp_path, capsys):
    _register(tmp_path, ["99,1,101,60,", "99,1,102,60,", "99,1,201,50,", "99,1,202,70,"])
    capsys.readouterr()
    ids = []
    for tie_break in ("second-round", "area"):
        assert run("ballot", "create", "--community", "cotton-compound", "--title", "A 或 B",
                   "--rule", "simple-majority", "--choices", "A,B", "--buildings", "99",
                   "--tie-break", tie_break) == 0  # fmt: skip
        ids.append(int(capsys.readouterr().out.strip()))
        _votes(tmp_path, ids[-1], ["99,1,101,A", "99,1,201,B"])
        capsys.readouterr()
    capsys.readouterr()
    assert run("ballot", "tally", ids[0], "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["winner"] is None and d["tie"]["choices"] == ["A", "B"]
    assert d["ballot"]["tie_break"] == "second-round"
    assert run("ballot", "tally", ids[0]) == 0
    assert "平票：A、B 各 1 户 — 无胜出，需进行第二轮表决" in capsys.readouterr().out
    assert run("ballot", "tally", ids[1], "--json") == 0
    d = json.loads(capsys.readouterr().out)
    assert d["leader"] == "A" and d["tie"]["decided"] == "A"  # 1 of 2 is no majority, though
    with pytest.raises(SystemExit) as exc:
        run("ballot", "create", "--community", "cotton-compound", "--title", "x",
            "--rule", "simple-majority", "--tie-break", "coin")  # fmt: skip
    assert exc.value.code == 2 and "second-round" in capsys.readouterr().err
