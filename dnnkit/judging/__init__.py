"""The judge: each graded function run on hidden cases in the sandbox, compared with the
reference (run outside it), and the verdict written to the notebook."""
