"""Hypothesis runs derandomised: the same examples on every machine, so CI results are reproducible
(new edge cases are found by running with --hypothesis-seed, and kept as explicit @example cases)."""

from hypothesis import settings

settings.register_profile("talks2022", derandomize=True, print_blob=True)
settings.load_profile("talks2022")
