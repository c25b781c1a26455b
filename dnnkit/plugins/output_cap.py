"""CapOutputs: plain `nbgrader autograde` keeps at most `ForkedExecute.max_output_mb` of output
per cell, as `dnnkit grade`'s executor does.

nbgrader's LimitOutput shortens text and tracebacks by lines, but an error's message, a display's
metadata or one very long line pass whole: three cells can make a notebook of 100 MB that every
later step (grades, feedback, the formgrader) has to read. This step counts each output as the
notebook stores it. An error is always kept (it decides the cell), shortened. A cell whose
output was dropped is a fault of the notebook run, as in `dnnkit grade`.
"""
import json

from nbformat import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor

from dnnkit import context
from dnnkit.plugins.executor import cell_label


def shortened_error(output):
    return dict(output, evalue=str(output.get("evalue", ""))[:4000],
                traceback=[str(line)[:4000] for line in output.get("traceback", [])[-60:]])


def capped(outputs, limit):
    """(outputs within `limit` bytes, whether any were dropped)."""
    kept, size, dropped = [], 0, False
    for output in outputs:
        if output.get("output_type") == "error":
            output = shortened_error(output)
        cost = len(json.dumps(output, default=repr))
        if size + cost > limit and output.get("output_type") != "error":
            dropped = True
            continue
        kept.append(output)
        size += cost
    return kept, dropped


class CapOutputs(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        megabytes = float(self.config.ForkedExecute.get("max_output_mb", 1.0))
        limit = int(megabytes * (1 << 20))
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            kept, dropped = capped(cell.get("outputs", []), limit)
            if dropped:
                kept.append({"output_type": "stream", "name": "stdout",
                             "text": f"\n[grading: output beyond {limit >> 20} MiB was dropped]\n"})
                context.ensure(resources).faults[cell_label(cell, index)] = \
                    f"printed more than {megabytes:g} MiB: the rest was dropped"
            cell.outputs = [from_dict(o) for o in kept]
        return nb, resources
