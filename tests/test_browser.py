"""Real-browser checks in Debian's Chromium, driven by Playwright for Python (issue 6).

- student: JupyterLab (with nbgrader's extensions) on a scratch copy of the release: run all
  cells, read a public test's output, press nbgrader's Validate button and read its result;
- instructor: the formgrader of a scratch course with graded submissions;
- report: the instructor reports render (embedded figures) and their links open the
  assignment page, a student's feedback and the student's row.

Set-up: the session fixture `chromium` installs Debian's `chromium` and `chromium-driver` with
apt-get when they are missing (CI machines start without them; it needs root). Playwright
drives that browser (`executable_path`); its own browser download is never used.
Screenshots go to test-output/browser/ (gitignored).
"""
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from dnnkit.staff import course as course_mod, submissions
from dnnkit import notebook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHOTS = os.path.join(ROOT, "test-output", "browser")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# No sandbox (we run as root), and no background connections: this machine has no network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
A = "step_by_step"
NB = "Building_your_Deep_Neural_Network_Step_by_Step"
TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium (and its driver), installed with apt-get when missing."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.geteuid() != 0:
            pytest.fail("Chromium is missing: run `apt-get install chromium chromium-driver` as "
                        "root (the browser tests install it themselves when run as root)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]):
            result = subprocess.run(cmd, env=env, timeout=1500, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}"
    return CHROMIUM


@pytest.fixture
def browser(chromium, tmp_path):
    """A fresh Chromium profile per test, closed at the end."""
    from playwright.sync_api import sync_playwright
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
            args=FLAGS, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(directory, scratch, account=None):
    """JupyterLab serving `directory` on a free localhost port with a token; yields its base
    URL and token; stops the server and every process it started. `account`: an ordinary
    user's (test_unprivileged.Account) whose venv and uid the server runs with, else ours."""
    settings = os.path.join(scratch, "lab-settings")
    # All cells in the DOM (no virtual scrolling), and no news fetched from the internet.
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                           "apputils-extension/notification": {"fetchNews": "false",
                                                               "checkForUpdates": False}}.items():
        path = os.path.join(settings, "@jupyterlab", plugin + ".jupyterlab-settings")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(values, f)
    env = account.env() if account else course_mod.tool_env()
    if account:
        account.own(scratch)
    for _ in range(3):  # another process may take the free port before the server binds it
        with _started_lab(directory, scratch, settings, env, account) as started:
            if started:
                yield started
                return


@contextlib.contextmanager
def _started_lab(directory, scratch, settings, env, account=None):
    """Yields (url, token), or None when the server exited before serving (port taken)."""
    import secrets
    port, token = free_port(), secrets.token_hex(16)
    env.update(JUPYTER_CONFIG_DIR=os.path.join(scratch, "jupyter-config"),
               JUPYTER_RUNTIME_DIR=os.path.join(scratch, "jupyter-runtime"),
               JUPYTERLAB_WORKSPACES_DIR=os.path.join(scratch, "lab-workspaces"))
    log = open(os.path.join(scratch, "jupyter.log"), "w")
    bin_dir = account.bin if account else os.path.dirname(sys.executable)
    server = subprocess.Popen(
        [os.path.join(bin_dir, "jupyter"), "lab", "--no-browser",
         *([] if account else ["--allow-root"]),  # CI runs as root
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={directory}",
         f"--LabApp.user_settings_dir={settings}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        **(account.popen_args() if account else {}))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                assert "already in use" in open(log.name).read(), \
                    "jupyter lab stopped:\n" + open(log.name).read()[-3000:]
                yield None
                return
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    json.load(r)
                    break
            except (OSError, ValueError, http.client.HTTPException):
                assert time.monotonic() < deadline, "jupyter lab did not start:\n" + \
                    open(log.name).read()[-3000:]
                time.sleep(0.5)
        yield url, token
    finally:
        stop(server)
        log.close()


def stop(server):
    """SIGTERM (the server shuts its kernels down), then SIGKILL whatever is left."""
    try:
        family = [server] + psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = [server]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    for process in family:
        with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
            process.kill()
    server.wait(timeout=10)
    assert not [p for p in family[1:] if _alive(p)], "processes of the server survived"


def _alive(process):
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# What the notebook shows, for failure messages: each code cell's prompt and its first error.
CELLS_STATE = """[...document.querySelectorAll('.jp-CodeCell')].map(c => {
    const error = c.querySelector(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    return c.querySelector('.jp-InputArea-prompt').textContent
        + (error ? ' ' + error.innerText.slice(-300) : '');
})"""


def wait_until(page, script, what, seconds=180):
    """Poll a JavaScript predicate in the page (bounded)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            shot = os.path.join(SHOTS, "timed-out.png")
            page.screenshot(path=shot)
            raise AssertionError(f"timed out waiting for {what} (screenshot: {shot}); cells: "
                                 f"{page.evaluate(CELLS_STATE)}")
        page.wait_for_timeout(500)


PROMPTS = """[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim())"""


def run_all_cells(page, attempts=3):
    """Run > Run All Cells, as a student does. The menu item stays disabled until the notebook
    is the current widget, which on a loaded machine can lag behind the kernel being idle, and
    a click on a disabled item does nothing: so wait for it to be enabled, then check that the
    cells started, and try again if they did not."""
    for _ in range(attempts):
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()  # make the notebook current
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        item = page.locator(".lm-Menu-item", has_text="Run All Cells").first
        item.wait_for()
        if "lm-mod-disabled" in (item.get_attribute("class") or ""):
            page.keyboard.press("Escape")
            page.wait_for_timeout(2000)
            continue
        item.click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(p != "[ ]:" for p in page.evaluate(PROMPTS)):
                return
            page.wait_for_timeout(500)
    shot = os.path.join(SHOTS, "run-all-did-not-start.png")
    page.screenshot(path=shot)
    raise AssertionError(f"Run All Cells did not start the cells after {attempts} attempts "
                         f"(screenshot: {shot})")


def test_student_runs_the_notebook_and_validates(browser, root, tmp_path):
    work = tmp_path / "student"
    shutil.copytree(os.path.join(root, "release", A), work / A)
    # a student who has done every exercise but the last (Run All stops at a failing cell,
    # and the last test cell is the last code cell)
    release = notebook.read(str(work / A / (NB + ".ipynb")))
    source = notebook.read(notebook.source_notebook_path(root, A, NB))
    functions = notebook.graded_functions(source)
    import nbformat
    nbformat.write(submissions.make(release, source, functions[:-1]),
                   str(work / A / (NB + ".ipynb")))
    with jupyter_lab(str(work), str(tmp_path)) as (url, token):
        page = browser.new_page()
        page.goto(f"{url}/lab/tree/{A}/{NB}.ipynb?token={token}")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
        # the kernel is ready when the toolbar says "Python 3 ... Idle"
        wait_until(page, """() => {
            const s = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
            return s && s.getAttribute('data-status') === 'idle'}""", "the kernel")
        run_all_cells(page)
        code_cells = sum(c.cell_type == "code" for c in release.cells)
        wait_until(page, f"""() => {{
            const prompts = {PROMPTS};
            return prompts.length === {code_cells} && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
        }}""", "every cell to run")
        # the public tests of the solved exercises pass; the last one says what is wrong
        # (exact text: the failing test's traceback quotes the line that prints it)
        passed = page.locator(".jp-OutputArea-output",
                              has_text=re.compile(r"^\s*✓ All \d+ public test\(s\) of \w+ passed\. The grader also runs"))
        assert passed.count() == len(functions) - 1, passed.all_inner_texts()
        failed = page.locator(".jp-OutputArea-output", has_text="✗ ").first
        failed.evaluate("output => output.closest('.jp-Cell').scrollIntoView()")
        assert failed.is_visible() and functions[-1] in failed.inner_text()
        # its error is one line, with no traceback into testCases/public_tests.py
        assert "public_tests.py" not in failed.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea')][1]").inner_text()
        page.screenshot(path=os.path.join(SHOTS, "student-run-all.png"))

        page.locator(".validate-button").first.click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for()
        wait_until(page, "() => !document.querySelector('.jp-Dialog').innerText.includes('...')",
                   "the validation result")
        result = dialog.inner_text()
        page.screenshot(path=os.path.join(SHOTS, "student-validate.png"))
        # the Validator ran every test: it reports the failing ones, not the passed one
        assert "failed" in result.lower()
        assert functions[-1] in result
        # ... with the ✗ lines that say what is wrong, and no traceback into the harness
        assert "✗ " in result and "public_tests.py" not in result, result
        page.close()


def test_instructor_sees_submissions_and_scores_in_formgrader(browser, graded_course, tmp_path):
    with jupyter_lab(graded_course, str(tmp_path)) as (url, token):
        page = browser.new_page()
        page.goto(f"{url}/formgrader/manage_assignments?token={token}")
        row = page.locator("tr", has_text=A).first
        row.wait_for()
        page.screenshot(path=os.path.join(SHOTS, "formgrader-assignments.png"))
        # 5 submissions: 4 graded, 1 submitted after grading (hana_late)
        assert re.search(r"^\s*step_by_step\s.*\s5\s*$", row.inner_text(), re.S), row.inner_text()
        page.goto(f"{url}/formgrader/manage_submissions/{A}?token={token}")
        expected = {"ada_complete": r"graded\s+102 / 102", "ben_blank": r"graded\s+0 / 102",
                    "eli_linear_backward": r"graded\s+92 / 102",
                    "gus_fault": r"graded\s+102 / 102", "hana_late": "needs autograding"}
        for student, score in expected.items():
            row = page.locator("tr", has_text=student).first
            row.wait_for()
            assert re.search(score, row.inner_text()), row.inner_text()
        page.screenshot(path=os.path.join(SHOTS, "formgrader-submissions.png"), full_page=True)
        page.close()


def test_report_pages_render_and_link(browser, graded_course):
    """The course overview and the assignment page: figures render, the overview's link opens
    the assignment page, a matrix link opens a student's feedback, the help table's link lands
    on the student's row."""
    tool = os.path.join(os.path.dirname(sys.executable), "dnnkit")
    if not os.path.isdir(os.path.join(graded_course, "feedback", "ada_complete", A)):
        subprocess.run([tool, "feedback", A], cwd=graded_course, env=course_mod.tool_env(),
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run([tool, "report", A], cwd=graded_course, env=course_mod.tool_env(), check=True,
                   stdout=subprocess.DEVNULL)
    reports = os.path.join(graded_course, "reports")
    page = browser.new_page()
    page.goto("file://" + os.path.join(reports, "index.html"))
    body = page.locator("body").inner_text()
    assert "Course overview" in body and "not in the gradebook yet" in body, body
    page.screenshot(path=os.path.join(SHOTS, "report-overview.png"), full_page=True)

    page.get_by_role("link", name="Building your Deep Neural Network: Step by Step").click()
    page.wait_for_url(f"**/reports/{A}.html")
    page.locator("img").first.wait_for()
    wait_until(page, "() => [...document.images].every(i => i.complete)", "the images", 60)
    sizes = page.evaluate("[...document.images].map(i => [i.alt, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 2 and all(w > 0 and h > 0 for _, w, h in sizes), sizes
    body = page.locator("body").inner_text()
    assert "6 students: 3 graded, 1 fault, 2 missing" in body
    assert "dW and db are m times too large" in body and "missing_1_over_m" not in body
    page.screenshot(path=os.path.join(SHOTS, "report.png"), full_page=True)

    page.locator("#s-eli_linear_backward").get_by_role("link", name="feedback").click()
    page.wait_for_url(f"**/feedback/eli_linear_backward/{A}/{NB}.html")
    assert "dW and db are m times too large" in page.locator("body").inner_text()
    page.screenshot(path=os.path.join(SHOTS, "report-feedback-link.png"))

    page.go_back()
    page.wait_for_url(f"**/reports/{A}.html")
    page.get_by_role("link", name="← course overview").click()
    page.wait_for_url("**/reports/index.html")
    page.locator("table").nth(1).get_by_role("link").first.click()   # who needs help: ben_blank
    page.wait_for_url(f"**/reports/{A}.html#s-ben_blank")
    row = page.locator("#s-ben_blank")
    assert row.is_visible() and "ben_blank" in row.inner_text()
    assert page.evaluate("document.getElementById('s-ben_blank').getBoundingClientRect().top") < 900
    page.screenshot(path=os.path.join(SHOTS, "report-help-link.png"))
    page.close()


def offline(context):
    """Every request that leaves this machine is refused (an exam room, a firewalled campus);
    returns the list of the URLs that were tried, for the test to assert it stays empty."""
    tried = []

    def route(request_route):
        url = request_route.request.url
        local = url.startswith(("file:", "data:", "blob:")) or re.match(
            r"^(http|ws)s?://(127\.0\.0\.1|localhost)(:\d+)?/", url)
        if local:
            request_route.continue_()
        else:
            tried.append(url)
            request_route.abort()
    context.route("**/*", route)
    return tried


RENDERED_MARKDOWN = "[...document.querySelectorAll('{0}')].map(e => e.innerText).join('\\n')"


def test_feedback_pages_render_offline(browser, planar_feedback):
    """Three planar feedback pages (full marks, one mistake, blank), the network unreachable:
    formulas rendered as MathML, figures loaded, the summary's ✓/✗ rows and links, the
    shortened trainings shown as the student's own run (or a note), no harness traceback."""
    from dnnkit.plugins.feedback import NOT_RUN_NOTE, SHORTENED_NOTE
    tried = offline(browser)
    nb = "Planar_data_classification_with_one_hidden_layer"
    for student, marks in (("ada_full", "✓" * 8), ("eli_mistake", "✓✓✗✓✓✓✓✓"), ("ben_blank", "✗" * 8)):
        page = browser.new_page()
        page.goto("file://" + os.path.join(planar_feedback, "feedback", student, "planar", nb + ".html"))
        rows = page.locator("table.dnnkit-results tr.pass, table.dnnkit-results tr.fail")
        assert "".join(r.split("\t")[0].strip() for r in rows.all_inner_texts()) == marks
        markdown = page.evaluate(RENDERED_MARKDOWN.format(".text_cell_render"))
        assert "$" not in markdown
        sizes = page.evaluate("[...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width)")
        assert len(sizes) > 20 and min(sizes) > 0   # the browser laid every formula out
        wait_until(page, "() => [...document.images].every(i => i.complete)", "the images", 60)
        broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).map(i => i.alt)")
        assert broken == [] and page.evaluate("document.images.length") >= 1
        text = page.locator("body").inner_text()
        assert "public_tests.py" not in text and "Traceback" not in text
        page.screenshot(path=os.path.join(SHOTS, f"feedback-{student}.png"))
        if student == "ada_full":
            assert "Full marks." in text and text.count(SHORTENED_NOTE) == 3
            assert "Accuracy: 90.5 %" in text   # her own run, not the shortened one
            note = page.locator(".output_area", has_text=SHORTENED_NOTE).first
            note.scroll_into_view_if_needed()
            page.screenshot(path=os.path.join(SHOTS, "feedback-ada_full-shortened-cell.png"))
        else:
            failed = page.locator("table.dnnkit-results tr.fail a").first
            target = failed.get_attribute("href")
            failed.click()
            page.wait_for_function(f"() => location.hash === '{target}'")
            assert page.evaluate(f"document.getElementById('{target[1:]}').getBoundingClientRect().top") < 900
            page.screenshot(path=os.path.join(SHOTS, f"feedback-{student}-after-link.png"))
        if student == "ben_blank":
            assert text.count(NOT_RUN_NOTE) == 3
        page.close()
    assert tried == []


NOTEBOOKS = {"planar": "Planar_data_classification_with_one_hidden_layer",
             "step_by_step": NB, "application": "Deep_Neural_Network_Application"}


def test_release_notebooks_render_offline(browser, root, tmp_path):
    """The three release notebooks in JupyterLab with the network unreachable: every formula
    typeset (JupyterLab ships its MathJax), every figure loaded, nothing fetched from outside."""
    work = tmp_path / "student"
    for assignment in NOTEBOOKS:
        shutil.copytree(os.path.join(root, "release", assignment), work / assignment)
    tried = offline(browser)
    # the notebook on show (JupyterLab keeps the earlier ones open in hidden tabs)
    shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown"
    with jupyter_lab(str(work), str(tmp_path)) as (url, token):
        for assignment, name in NOTEBOOKS.items():
            page = browser.new_page()
            page.goto(f"{url}/lab/tree/{assignment}/{name}.ipynb?reset&token={token}")
            page.locator(shown).first.wait_for()
            wait_until(page, f"""() => document.querySelectorAll('{shown} mjx-container').length > 10
                && ![...document.querySelectorAll('{shown}')].some(e => /\\$/.test(e.innerText))""",
                       f"the formulas of {assignment} to be typeset", 120)
            wait_until(page, f"() => [...document.querySelectorAll('{shown} img')].every(i => i.complete)",
                       f"the figures of {assignment}", 60)
            figures = page.evaluate(f"[...document.querySelectorAll('{shown} img')]"
                                    ".map(i => [i.getAttribute('src'), i.naturalWidth])")
            assert figures and all(w > 0 for _, w in figures), figures
            page.screenshot(path=os.path.join(SHOTS, f"release-{assignment}.png"))
            page.evaluate(f"document.querySelector('{shown} img').scrollIntoView()")
            page.wait_for_timeout(300)
            page.screenshot(path=os.path.join(SHOTS, f"release-{assignment}-figure.png"))
            page.close()
    assert tried == []
