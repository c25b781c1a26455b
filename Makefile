# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv/ with the pinned versions from requirements.lock when it is missing.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: demo test bench release venv clean

$(VENV_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(VENV_STAMP)

venv: $(VENV_STAMP)

demo: $(VENV_STAMP)
	.venv/bin/dnnkit demo

test: $(VENV_STAMP)
	.venv/bin/python -m pytest -q

release: $(VENV_STAMP)
	.venv/bin/dnnkit release --all

clean:
	rm -rf submitted/*/ autograded/*/ feedback/*/ gradebook.db
