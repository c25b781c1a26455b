# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv/ with the pinned versions from requirements.lock when it is missing.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test bench release venv clean sandbox-tools

$(VENV_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(VENV_STAMP)

venv: $(VENV_STAMP) sandbox-tools

# Student code is graded inside bubblewrap (dnnkit/sandbox.py): Debian's package, installed when missing.
sandbox-tools:
	@command -v bwrap >/dev/null || (apt-get update -qq && apt-get install -y -qq bubblewrap)

demo: $(VENV_STAMP) sandbox-tools
	.venv/bin/dnnkit demo

# One BLAS thread: the notebooks' trainings run beside grading processes, and an
# oversubscribed OpenBLAS is many times slower than a single thread.
test: $(VENV_STAMP) sandbox-tools
	OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest -q -ra

# 200 Step-by-Step submissions: plain serial `nbgrader autograde` against `dnnkit grade`.
# Then `dnnkit grade --cluster` on a local Dask cluster of 1 and 2 workers (benchmarks/bench_dask.py).
bench: $(VENV_STAMP) sandbox-tools
	.venv/bin/python benchmarks/bench_grade.py
	.venv/bin/python benchmarks/bench_dask.py

release: $(VENV_STAMP)
	.venv/bin/dnnkit release --all

clean:
	rm -rf submitted/*/ autograded/*/ feedback/*/ gradebook.db
