"""The installed command as a real subprocess, and a non-editable install from a wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import ROOT


def _atmp_kg() -> str:
    exe = shutil.which("atmp-kg")
    if not exe:
        pytest.fail("the atmp-kg console script is not installed")
    return exe


def test_installed_command_runs_from_another_directory(tmp_path):
    result = subprocess.run([_atmp_kg(), "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: the graph conforms")


def test_installed_command_reports_bad_input_in_one_line(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_bytes(b"<http://a> <http://b> \xff\xfe .\n")
    result = subprocess.run([_atmp_kg(), "validate", str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "bad.nt" in result.stderr and "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_does_not_import_the_heavy_libraries():
    code = ("import sys; from atmp_kg.cli import cli; "
            "sys.argv=['atmp-kg','--help']\n"
            "try:\n    cli.main(prog_name='atmp-kg')\nexcept SystemExit:\n    pass\n"
            "heavy=[m for m in ('rdflib','pyshacl','pyoxigraph','openpyxl','matplotlib','SPARQLWrapper') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "HEAVY []" in out


def _site_dirs() -> list[str]:
    """The running interpreter's package folders (a venv's and, when the venv inherits them,
    the base interpreter's), in the order it searches them."""
    import site

    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        dirs.append(site.getusersitepackages())
    return [d for d in dirs if os.path.isdir(d)]


def _venv_with_our_dependencies(env_dir) -> str:
    """A fresh venv that sees the running interpreter's packages, whether the tests run in a
    venv or not, without the network: a .pth file lists the running interpreter's package
    folders (`system_site_packages=True` would give the *base* interpreter's, which lacks
    whatever a venv installed). A plain path in a .pth is appended after the venv's own
    site-packages, and the .pth files in those folders are not run, so an editable install
    of atmp-kg there is invisible and the wheel installed here is the one imported."""
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    own = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(own, "_outer_site_packages.pth"), "w") as f:
        f.write("".join(d + "\n" for d in _site_dirs()))
    return str(py)


@pytest.mark.slow
def test_wheel_install_validates_from_any_directory(tmp_path):
    """pip install . (not editable): the ontology, shapes, queries and data travel in the wheel."""
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(wheels.glob("atmp_kg-*.whl"))
    env_dir = tmp_path / "venv"
    py = _venv_with_our_dependencies(env_dir)
    install = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = str(env_dir / "bin") + os.pathsep + env.get("PATH", "")
    run = subprocess.run([str(env_dir / "bin" / "atmp-kg"), "validate"], cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    # The main job, with its HTML template and the shipped queries, from the wheel alone.
    page = subprocess.run([str(env_dir / "bin" / "atmp-kg"), "scorecard", "--format", "html", "-o", "sc.html"],
                          cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env)
    assert page.returncode == 0, page.stderr
    assert "<svg" in (elsewhere / "sc.html").read_text()
    where = subprocess.run([py, "-c", "import atmp_kg, atmp_kg.resources as r; print(r.root()); print(atmp_kg.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, env=env)
    assert "_resources" in where.stdout and str(ROOT) not in where.stdout, where.stdout + where.stderr
    assert where.stdout.splitlines()[1].startswith(str(env_dir)), "atmp_kg must come from the wheel in the new venv"
