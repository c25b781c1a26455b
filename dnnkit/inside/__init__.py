"""Code that runs inside the grading sandbox (the zygote, the notebook shell, the judge's runner,
its wire format, the seccomp filter). The sandbox mounts this folder whole and no other part of
dnnkit: nothing here imports from outside it but the standard library and numpy."""
