"""nbgrader plug-ins, registered in nbgrader_config.py through `nbgrader_ext.configure`: the
sandboxed executors, the judge's step, output caps, link refusal, students' feedback."""
