# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv/ with the pinned versions from requirements.lock when it is missing.
# Its interpreter: PYTHON=... when given (make venv PYTHON=/usr/bin/python3), else the first of
# python3.13, python3.12, python3.11, python3 on PATH that is Python 3.11-3.13 (tools/make-venv.sh;
# it installs Debian's python3-venv when that is missing and we are root).
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
PYTHON ?=

.PHONY: demo test test-identity bench release venv clean sandbox-tools

$(VENV_STAMP): requirements.lock pyproject.toml tools/make-venv.sh
	@$(SHELL) tools/make-venv.sh "$(PYTHON)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(VENV_STAMP)

venv: $(VENV_STAMP) sandbox-tools

# Student code is graded inside bubblewrap (dnnkit/host/sandbox.py): Debian's package, installed when missing.
sandbox-tools:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq bubblewrap; } \
		|| { echo "make: grading needs bubblewrap: apt-get install -y bubblewrap (as root)" >&2; exit 1; }

demo: $(VENV_STAMP) sandbox-tools
	.venv/bin/dnnkit demo

# One BLAS thread: the notebooks' trainings run beside grading processes, and an
# oversubscribed OpenBLAS is many times slower than a single thread.
# --durations: where the time goes, printed at the end (make test must stay well under an hour).
test: $(VENV_STAMP) sandbox-tools
	OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest -q -ra -m "not identity" --durations=15

# Both entry points on every catalogue submission (tests/test_identity.py): plain nbgrader takes
# about 9 s a submission, so this tier runs apart from make test (CI runs both).
test-identity: $(VENV_STAMP) sandbox-tools
	OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest -q -ra -m identity tests/test_identity.py

# 200 Step-by-Step submissions: plain serial `nbgrader autograde` against `dnnkit grade`.
# Then `dnnkit grade --cluster` on a local Dask cluster of 1 and 2 workers (benchmarks/bench_dask.py),
# and the coordinator's recording cost per result on its own (benchmarks/bench_record.py).
bench: $(VENV_STAMP) sandbox-tools
	.venv/bin/python benchmarks/bench_grade.py
	.venv/bin/python benchmarks/bench_dask.py
	.venv/bin/python benchmarks/bench_record.py

release: $(VENV_STAMP)
	.venv/bin/dnnkit release --all

clean:
	rm -rf submitted/*/ autograded/*/ feedback/*/ gradebook.db demo/
