# The two commands of README's quick start. Both install missing system packages first.
SWIFT ?= swift
# Tests run optimised: the verifier's time bounds and the model's numeric checks are about the
# code that ships, which is built in release. -enable-testing lets tests use @testable import.
# --no-parallel: OpenBLAS's thread count is process-wide and the model changes it around its
# data-parallel sections, so suites running side by side would perturb each other's bit-exact
# reproducibility checks.
TEST_FLAGS = -c release -Xswiftc -enable-testing --no-parallel

.PHONY: deps deps-mpi train test bench heldout mpi

deps:
	@scripts/install-deps

# Open MPI too (libopenmpi-dev, openmpi-bin): only the MPI build and its test use it.
deps-mpi:
	@scripts/install-deps mpi

# The lab with data-parallel training over Open MPI (the package's MPI trait), built beside the
# default one so that neither rebuild evicts the other: mpirun -np N .build/mpi/release/lab train …
mpi: deps-mpi
	$(SWIFT) build -c release --traits MPI --product lab --scratch-path .build/mpi

# The main job: R1-Zero-style GRPO from the shipped base model (checkpoints/base) into a new run
# directory, checkpoints/run-<date>-<time>.
train: deps
	$(SWIFT) run -c release lab train

# The suite includes mpirun -np 2 runs checked against one process, on the MPI build.
test: deps mpi
	$(SWIFT) test $(TEST_FLAGS)

heldout: deps
	$(SWIFT) run -c release lab problems heldout
