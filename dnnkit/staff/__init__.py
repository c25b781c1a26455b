"""Course-staff commands above grading: the CLI, the course directory, results, exports and
reports, replay, and authoring (expected outputs, the catalogue, sample submissions)."""
