# The two commands of README's quick start. Both install missing system packages first.
SWIFT ?= swift
# Tests run optimised: the verifier's time bounds and the model's numeric checks are about the
# code that ships, which is built in release. -enable-testing lets tests use @testable import.
# --no-parallel: OpenBLAS's thread count is process-wide and the model changes it around its
# data-parallel sections, so suites running side by side would perturb each other's bit-exact
# reproducibility checks.
TEST_FLAGS = -c release -Xswiftc -enable-testing --no-parallel

.PHONY: deps train test bench heldout

deps:
	@scripts/install-deps

# The main job: R1-Zero-style GRPO from the shipped base model (checkpoints/base) into a new run
# directory, checkpoints/run-<date>-<time>.
train: deps
	$(SWIFT) run -c release lab train

test: deps
	$(SWIFT) test $(TEST_FLAGS)

heldout: deps
	$(SWIFT) run -c release lab problems heldout
