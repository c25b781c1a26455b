"""Canonical fixtures students see, one generator per test case (see testCases/<assignment>.py)."""
