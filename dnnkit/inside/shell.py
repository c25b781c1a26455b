"""Runs a notebook's cells inside the sandbox, the way a Jupyter kernel would.

An IPython InteractiveShell, created once in the zygote (`prepare`) and forked per submission,
runs each cell it is sent and answers with the cell's outputs in nbformat form: `stream`
(stdout/stderr, consecutive writes merged), `execute_result`, `display_data` (including inline
matplotlib figures) and `error` (ename, evalue, IPython's traceback), as ipykernel would send them.

Protocol: one JSON request per line on fd `requests` ({"code", "max_output"}); one JSON reply per
line on fd `replies` ({"execution_count", "status", "outputs", "truncated"}). The first reply,
before any request, gives the kernel's language_info.
"""
import json
import os
import sys

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

# What ipykernel reports as language_info (nbclient copies it into the notebook's metadata).
LANGUAGE_INFO = {
    "name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
    "pygments_lexer": "ipython3", "nbconvert_exporter": "python", "file_extension": ".py",
}


class Cell:
    """Outputs of the running cell, with a size cap."""

    def __init__(self, max_output):
        self.outputs, self.size, self.max_output = [], 0, max_output
        self.truncated = False
        self.clear_pending = False

    def add(self, output, size):
        if self.clear_pending:
            self.outputs, self.clear_pending = [], False
        if self.size + size > self.max_output:
            self.truncated = True
            return False
        self.size += size
        self.outputs.append(output)
        return True

    def stream(self, name, text):
        if self.clear_pending:
            self.outputs, self.clear_pending = [], False
        last = self.outputs[-1] if self.outputs else None
        room = self.max_output - self.size
        if len(text) > room:
            text, self.truncated = text[:max(room, 0)], True
        if not text:
            return
        self.size += len(text)
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})


_cell = None   # the running cell


class Stream:
    """sys.stdout / sys.stderr of the shell."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name):
        self.name = name

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if _cell is not None:
            _cell.stream(self.name, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False


class NoInput:
    """sys.stdin: like a kernel whose front end takes no input."""

    def read(self, *args):
        raise RuntimeError("input() is not available while grading: the notebook must run without it")

    readline = read

    def isatty(self):
        return False


class Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if _cell is None:
            return
        output = {"output_type": "display_data", "data": data, "metadata": metadata or {}}
        _cell.add(output, _size(output))

    def clear_output(self, wait=False):
        if _cell is None:
            return
        if wait:
            _cell.clear_pending = True
        else:
            _cell.outputs, _cell.clear_pending = [], False


class Hook(DisplayHook):
    """The value of a cell's last expression, as an execute_result."""

    def start_displayhook(self):
        self.result = {"output_type": "execute_result", "execution_count": self.prompt_count,
                       "data": {}, "metadata": {}}

    def write_output_prompt(self):
        self.result["execution_count"] = self.prompt_count

    def write_format_data(self, format_dict, md_dict=None):
        self.result["data"], self.result["metadata"] = format_dict, md_dict or {}

    def finish_displayhook(self):
        if _cell is not None:
            _cell.add(self.result, _size(self.result))
        self.result = None


def _size(value):
    """Bytes an output takes in the notebook (what max_output counts, metadata included)."""
    return len(json.dumps(value, default=repr))


def _show_traceback(etype, evalue, stb):
    if _cell is not None:
        # A cell's error is always recorded (it decides the cell), shortened to fit its share.
        output = {"output_type": "error", "ename": etype.__name__[:200], "evalue": str(evalue)[:4000],
                  "traceback": [line[:4000] for line in stb[-60:]]}
        if not _cell.add(output, _size(output)):
            if not any(o["output_type"] == "error" for o in _cell.outputs):
                output["traceback"] = output["traceback"][-3:]
                _cell.outputs.append(output)


_shell = None


def prepare():
    """Create the shell (in the zygote, once)."""
    global _shell
    config = Config()
    config.HistoryManager.enabled = False
    # Tracebacks without colours: to colour them IPython builds a new lexer for every frame
    # (about 15 ms each), most of the grading time of a submission whose cells fail. The text
    # is the same; feedback is read as HTML, where the colours were decoration.
    config.InteractiveShell.colors = "nocolor"
    _shell = InteractiveShell.instance(config=config, display_pub_class=Publisher,
                                       displayhook_class=Hook)
    _shell._showtraceback = _show_traceback
    # `%matplotlib inline` asks the shell for a GUI event loop; the inline backend needs none
    # (ipykernel's shell answers the same). A plain InteractiveShell raises NotImplementedError,
    # which failed the whole first cell of the notebooks, imports included.
    _shell.enable_gui = lambda gui=None: None
    # IPython formats each error a second time for its history's store of exceptions; the
    # history is off here, so that copy is never read.
    _shell._format_exception_for_storage = lambda *args, **kwargs: {}
    # Warm up IPython's traceback formatting (lazy imports) here, not in every child.
    _shell.run_cell("def _warm_up():\n    1/0\n_warm_up()", store_history=False, silent=True)
    _shell.user_ns.pop("_warm_up", None)
    # ... and its parsing of the helper files already in the working copy (cached by content).
    import executing
    import stack_data
    for folder, _, names in os.walk(os.getcwd()):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    stack_data.Source.for_filename(path)
                    executing.Source.for_filename(path)
                except Exception:  # noqa: BLE001 (a warm-up only)
                    pass
    return _shell


def serve(requests, replies):
    global _cell
    shell = _shell or prepare()
    source = os.fdopen(os.dup(requests), "r")
    os.dup2(os.open("/dev/null", os.O_RDONLY), requests)
    out = os.fdopen(replies, "w")
    sys.stdout, sys.stderr, sys.stdin = Stream("stdout"), Stream("stderr"), NoInput()
    _inline_matplotlib(shell)
    out.write(json.dumps({"language_info": LANGUAGE_INFO}) + "\n")
    out.flush()
    server = os.getpid()
    for line in source:
        request = json.loads(line)
        _cell = Cell(request.get("max_output", 1 << 20))
        try:
            result = shell.run_cell(request["code"], store_history=True)
            status = "ok" if result.success else "error"
            count = result.execution_count
        except KeyboardInterrupt:   # an interrupt that arrived outside the cell's code
            status, count = "error", shell.execution_count
            _show_traceback(KeyboardInterrupt, KeyboardInterrupt(), ["KeyboardInterrupt"])
        if os.getpid() != server:   # a copy forked by the cell: it ends with the cell
            os._exit(0)
        cell, _cell = _cell, None
        reply = {"execution_count": count, "status": status, "outputs": cell.outputs,
                 "truncated": cell.truncated}
        out.write(json.dumps(reply, default=repr) + "\n")
        out.flush()


def _inline_matplotlib(shell):
    """Figures as display_data at the end of each cell, as with ipykernel's default backend,
    when matplotlib was preloaded (otherwise importing pyplot sets this up by itself)."""
    if "matplotlib.pyplot" in sys.modules:
        from matplotlib_inline.backend_inline import configure_inline_support
        import matplotlib
        matplotlib.use("module://matplotlib_inline.backend_inline")
        configure_inline_support(shell, "module://matplotlib_inline.backend_inline")
