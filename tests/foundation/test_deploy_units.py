"""The systemd units in deploy/ are what the smoke run starts: it must read them all."""

import importlib

import pytest

from tests.conftest import ROOT


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    return importlib.import_module("smoke")


def test_each_unit_gives_a_command_in_this_checkout_restarted_always(smoke):
    env = {"DONGCHANG_BIND": "127.0.0.1:9999"}
    web, worker, beat = (smoke.unit_process(unit, env) for unit in smoke.UNITS)
    python = str(ROOT / ".venv" / "bin" / "python")
    assert web.argv[:4] == [python, "-m", "gunicorn", "dongchang.wsgi"]
    assert web.argv[web.argv.index("--bind") + 1] == "127.0.0.1:9999"
    assert worker.argv[:6] == [python, "-m", "celery", "-A", "dongchang", "worker"]
    assert beat.argv[:6] == [python, "-m", "celery", "-A", "dongchang", "beat"]
    assert {service.cwd for service in (web, worker, beat)} == {ROOT}
    assert {service.restart_sec for service in (web, worker, beat)} == {2.0}


def test_the_units_default_bind_address_holds_without_the_environment_file(smoke):
    web = smoke.unit_process("dongchang-web", {})
    assert web.argv[web.argv.index("--bind") + 1] == "127.0.0.1:8000"


def test_a_restart_policy_the_smoke_run_does_not_apply_is_refused(smoke, monkeypatch, tmp_path):
    (tmp_path / "deploy").mkdir()
    unit = (ROOT / "deploy" / "dongchang-worker.service").read_text()
    (tmp_path / "deploy" / "dongchang-worker.service").write_text(
        unit.replace("Restart=always", "Restart=on-failure")
    )
    monkeypatch.setattr(smoke, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match="Restart=on-failure"):
        smoke.unit_process("dongchang-worker", {})
