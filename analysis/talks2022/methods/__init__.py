"""The analysis methods: positions, placement, bargaining benchmarks, robustness, reliability, derived tables."""
