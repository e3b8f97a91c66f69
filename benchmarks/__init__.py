"""Performance benchmarks against the targets of DESIGN §8 (`make bench`)."""
