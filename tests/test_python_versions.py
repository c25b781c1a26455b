"""The kit on every supported Python: 3.11 (Debian 12's own 3.11.2 included) to 3.13.

- how the Makefile picks the interpreter for .venv (tools/make-venv.sh): PYTHON=... when given,
  else the first supported one of python3.13, python3.12, python3.11, python3 on PATH; anything
  else is refused with a message naming the versions and PYTHON= (fake interpreters in a scratch
  copy of the Makefile: nothing is installed);
- requirements.lock installs into a venv made with Debian's /usr/bin/python3, and that venv's
  `dnnkit` grades the Step-by-Step sample class exactly as the venv running these tests does.
"""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, copy_course

DEBIAN_PYTHON = "/usr/bin/python3"
A = "step_by_step"
MAKE = shutil.which("make")
NEEDED = "Python 3.11, 3.12 or 3.13"


# --- the Makefile's choice of interpreter -----------------------------------------------------

def fake_python(folder, name, version, ensurepip=True):
    """An executable `name` that answers the version query with `version`, logs every call to
    calls.log and fails `-m venv` (so a test sees which interpreter was chosen, and nothing is
    made)."""
    path = folder / name
    path.write_text(f"""#!/bin/sh
echo "{name} $*" >> "{folder}/calls.log"
case "$*" in
  *"import ensurepip"*) exit {0 if ensurepip else 1} ;;
  *"-m venv"*) echo "{name}: a fake, makes no venv" >&2; exit 3 ;;
esac
echo {version}
""")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def kit(tmp_path):
    """What `make venv` reads, in a scratch folder, and a folder for fake interpreters."""
    if MAKE is None:
        pytest.skip("make is not installed")
    kit = tmp_path / "kit"
    (kit / "tools").mkdir(parents=True)
    for name in ("Makefile", "requirements.lock", "pyproject.toml", "tools/make-venv.sh"):
        shutil.copy(os.path.join(ROOT, name), kit / name)
    fakes = tmp_path / "bin"
    fakes.mkdir()
    return kit, fakes


def make_venv(kit, path, *args):
    env = {"PATH": path, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/root")}
    return subprocess.run([MAKE, "-C", str(kit), "venv", *args], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)


def calls(fakes):
    log = fakes / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_make_refuses_an_unsupported_python_given_as_PYTHON(kit):
    kit, fakes = kit
    old = fake_python(fakes, "python2.7", "2.7")
    result = make_venv(kit, f"{fakes}:/usr/bin:/bin", f"PYTHON={old}")
    assert result.returncode != 0, result.stdout
    assert f"PYTHON={old} is Python 2.7" in result.stdout, result.stdout
    assert NEEDED in result.stdout and "make venv PYTHON=" in result.stdout, result.stdout
    assert not (kit / ".venv").exists()
    assert not [c for c in calls(fakes) if "-m venv" in c]


def test_make_refuses_a_PYTHON_that_does_not_run(kit):
    kit, fakes = kit
    result = make_venv(kit, f"{fakes}:/usr/bin:/bin", f"PYTHON={fakes}/no-such-python")
    assert result.returncode != 0, result.stdout
    assert "does not run as a Python" in result.stdout and NEEDED in result.stdout, result.stdout
    assert not (kit / ".venv").exists()


def test_make_refuses_when_no_supported_python_is_on_PATH(kit):
    kit, fakes = kit
    fake_python(fakes, "python3", "3.10")
    fake_python(fakes, "python3.11", "3.9")   # a wrong link: the version counts, not the name
    fake_python(fakes, "python3.14", "3.14")  # not a candidate
    result = make_venv(kit, str(fakes))        # PATH: the fakes alone
    assert result.returncode != 0, result.stdout
    assert "no supported Python on PATH" in result.stdout, result.stdout
    assert "python3 (3.10)" in result.stdout and "python3.11 (3.9)" in result.stdout, result.stdout
    assert NEEDED in result.stdout and "make venv PYTHON=" in result.stdout, result.stdout
    assert not (kit / ".venv").exists()
    assert not [c for c in calls(fakes) if "-m venv" in c]


def test_make_takes_the_newest_supported_python_on_PATH(kit):
    kit, fakes = kit
    fake_python(fakes, "python3.13", "3.9")   # first in order, but not a supported version
    fake_python(fakes, "python3.12", "3.12")
    fake_python(fakes, "python3.11", "3.11")
    fake_python(fakes, "python3", "3.11")
    result = make_venv(kit, str(fakes))
    assert result.returncode != 0   # the fake makes no venv
    made = [c for c in calls(fakes) if "-m venv" in c]
    assert made == ["python3.12 -m venv --clear .venv"], (made, result.stdout)
    assert "a fake, makes no venv" in result.stdout


def test_make_takes_PYTHON_over_PATH(kit):
    kit, fakes = kit
    fake_python(fakes, "python3.13", "3.13")
    chosen = fake_python(fakes, "my-python", "3.11")
    result = make_venv(kit, str(fakes), f"PYTHON={chosen}")
    made = [c for c in calls(fakes) if "-m venv" in c]
    assert made == ["my-python -m venv --clear .venv"], (made, result.stdout)


def test_make_says_to_install_python3_venv_when_ensurepip_is_missing(kit):
    """Debian's python3 without python3-venv has no ensurepip. A fake interpreter is no Debian
    package, so make says what to install instead of installing it."""
    kit, fakes = kit
    chosen = fake_python(fakes, "python3.12", "3.12", ensurepip=False)
    result = make_venv(kit, f"{fakes}:/usr/bin:/bin", f"PYTHON={chosen}")
    assert result.returncode != 0, result.stdout
    assert "ensurepip module is missing" in result.stdout, result.stdout
    assert "apt-get install python3" in result.stdout and "-venv" in result.stdout, result.stdout
    assert not [c for c in calls(fakes) if "-m venv" in c]
    assert not (kit / ".venv").exists()


# --- Debian's own Python grades as the repository's venv does --------------------------------

def debian_python_version():
    """Debian's python3 as "3.11.2"; skips when it is absent or not 3.11-3.13, and installs
    Debian's python3-venv when its venv cannot work (as root with apt-get, else skips)."""
    if not os.path.exists(DEBIAN_PYTHON):
        pytest.skip(f"{DEBIAN_PYTHON} (Debian's python3) is not installed")
    version = subprocess.run([DEBIAN_PYTHON, "-c", "import sys; print('%d.%d.%d' % "
                              "sys.version_info[:3])"], text=True, stdout=subprocess.PIPE).stdout.strip()
    if not version or not (3, 11) <= tuple(map(int, version.split(".")[:2])) <= (3, 13):
        pytest.skip(f"{DEBIAN_PYTHON} is Python {version or '?'}, not 3.11-3.13")
    if subprocess.run([DEBIAN_PYTHON, "-c", "import ensurepip"], stderr=subprocess.DEVNULL).returncode:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip(f"{DEBIAN_PYTHON} has no venv module: apt-get install python3-venv (as root)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "python3-venv"], check=True)
    return version


def run(*cmd, cwd=None, timeout=900):
    env = dict(os.environ)
    for name in ("DNNKIT_ROOT", "DNNKIT_JUDGE", "VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    env["PATH"] = os.path.dirname(cmd[0]) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(list(cmd), cwd=cwd, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))}:\n{result.stdout[-4000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def debian_venv():
    """A fresh venv of Debian's python3 with requirements.lock and the kit (editable, as `make
    venv` installs it). Not under /tmp: the sandbox mounts its own /tmp over it."""
    version = debian_python_version()
    venv = os.path.join(ROOT, "test-output", "python-versions", "debian-venv")
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    run(DEBIAN_PYTHON, "-m", "venv", venv)
    pip = os.path.join(venv, "bin", "pip")
    run(pip, "install", "--quiet", "--disable-pip-version-check", "-r",
        os.path.join(ROOT, "requirements.lock"))
    run(pip, "install", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--no-build-isolation", "-e", ROOT)
    yield venv, version
    shutil.rmtree(venv, ignore_errors=True)


def grade_sample_class(bin_dir, course):
    """`dnnkit release`, `sample-class` and `grade` of that venv in a scratch course: the
    score table, the LMS export (points, status, reason) and the judge's verdicts."""
    import glob
    import json
    dnnkit = os.path.join(bin_dir, "dnnkit")
    run(dnnkit, "release", A, cwd=course)
    run(dnnkit, "sample-class", A, cwd=course)
    run(dnnkit, "grade", A, cwd=course)
    scores = run(dnnkit, "scores", A, cwd=course)
    csv = os.path.join(course, "grades.csv")
    run(dnnkit, "export", A, "--output", csv, cwd=course)
    with open(csv) as f:
        export = f.read()
    verdicts = {}
    for path in sorted(glob.glob(os.path.join(course, "autograded", "*", A, "*.ipynb"))):
        with open(path) as f:
            cells = json.load(f)["cells"]
        verdicts[path.split(os.sep)[-3]] = [c["metadata"]["dnnkit"] for c in cells
                                            if "function" in c["metadata"].get("dnnkit", {})]
    return scores, export, verdicts


@pytest.mark.slow
def test_debian_python_grades_the_sample_class_as_the_repository_venv(debian_venv, tmp_path):
    venv, version = debian_venv
    bin_dir = os.path.join(venv, "bin")
    python = os.path.join(bin_dir, "python")
    where = run(python, "-c", "import sys, dnnkit; print(sys.version.split()[0]); "
                "print(sys.base_prefix); print(dnnkit.__file__)").split()
    assert where[:2] == [version, "/usr"], where
    assert where[2].startswith(os.path.join(ROOT, "dnnkit")), where
    run(python, "-m", "pip", "check")
    theirs = grade_sample_class(bin_dir, copy_course(tmp_path / "debian"))
    ours = grade_sample_class(os.path.dirname(sys.executable), copy_course(tmp_path / "repo"))
    assert theirs[0] == ours[0], f"Debian's Python {version}:\n{theirs[0]}\nthis venv:\n{ours[0]}"
    assert theirs[1] == ours[1]
    assert theirs[2] == ours[2]
    table = ours[0]
    assert "ada_complete" in table and "ben_blank" in table, table
    totals = {line.split()[0]: line.split()[-1] for line in table.splitlines()[2:]
              if line.split() and line.split()[-1].isdigit()}
    assert len(totals) >= 6 and len(set(totals.values())) > 2, table   # a class, not one score
