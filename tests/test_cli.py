"""The cocreate command: exit codes, one-line messages, nothing half-written."""

import json
import subprocess
import sys

import pytest

from cocreate_map.cli import main


def run(*args):
    return main(list(args))


def test_init_demo_communities_export(sqlite_url, tmp_path, capsys):
    assert run("init") == 0
    assert run("demo") == 0
    assert run("communities") == 0
    out = capsys.readouterr().out
    assert "cotton-compound" in out and "棉花小区" in out
    assert run("communities", "--json") == 0
    [c] = json.loads(capsys.readouterr().out)
    assert c["elements"]["building"] == 12
    out_file = tmp_path / "x.geojson"
    assert (
        run(
            "export",
            "--community",
            "cotton-compound",
            "--format",
            "geojson",
            "--out",
            str(out_file),
        )
        == 0
    )
    assert len(json.loads(out_file.read_text())["features"]) == sum(c["elements"].values())


def test_bad_input_exits_2_with_one_line_and_no_traceback(sqlite_url, tmp_path, capsys):
    assert run("demo") == 0
    capsys.readouterr()
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    assert run("import", str(broken), "--community", "cotton-compound") == 2
    err = capsys.readouterr().err
    assert err.startswith("cocreate: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert run("import", str(tmp_path / "missing.geojson"), "--community", "cotton-compound") == 2
    assert "does not exist" in capsys.readouterr().err
    assert run("import", str(broken), "--community", "cotton-compound", "--kind", "lawn") == 2
    assert "use one of" in capsys.readouterr().err
    assert run("demo") == 2
    assert "loaded already" in capsys.readouterr().err


def test_dxf_without_crs_asks_for_it(sqlite_url, realdata, capsys):
    dxf = realdata / "kr_survey_dxf" / "survey_EPSG5186.dxf"
    assert run("import", str(dxf), "--community", "kr", "--create", "survey") == 2
    assert "--crs" in capsys.readouterr().err
    assert run("communities", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_hubei_gcj02_without_prj_asks_for_crs_and_coords(sqlite_url, realdata, capsys):
    shp = realdata / "hubei_districts_gcj02" / "湖北省.shp"
    assert run("import", str(shp), "--community", "hubei", "--create", "湖北") == 2
    err = capsys.readouterr().err
    assert "--crs EPSG:4326" in err and "gcj02" in err
    # With the right options it reads, but a province is no community.
    assert (
        run(
            "import",
            str(shp),
            "--community",
            "hubei",
            "--create",
            "湖北",
            "--crs",
            "EPSG:4326",
            "--coords",
            "gcj02",
        )
        == 2
    )
    assert "more than a community" in capsys.readouterr().err


def test_console_script_is_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "cocreate_map.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "import" in proc.stdout


@pytest.mark.parametrize("args", [["import"], ["export", "--community", "x"], ["nonsense"]])
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        run(*args)
    assert info.value.code == 2


def test_serve_migrates_loads_the_demo_and_answers(sqlite_url, tmp_path):
    import os
    import signal
    import socket
    import time
    import urllib.request

    from cocreate_map import services
    from cocreate_map.storage.db import make_engine, transaction

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cocreate_map.cli", "serve", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: nothing survives the test
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        with transaction(make_engine(sqlite_url)) as session:
            assert [c.slug for c in services.list_communities(session)] == ["cotton-compound"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.stdout.close()
