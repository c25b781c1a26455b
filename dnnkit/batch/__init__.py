"""`dnnkit grade`: the coordinator (engine), one submission's grading (grading), Dask (cluster)."""
