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

# The main job. Until a base model ships in checkpoints/base (which `lab train` starts from) it
# generates problems with worked solutions and grades them with the verifier.
train: deps
	$(SWIFT) build -c release --product lab
	.build/release/lab problems generate --family mul --difficulty 3 --count 5 --seed 7 --responses full \
		| .build/release/lab verify

test: deps
	$(SWIFT) test $(TEST_FLAGS)

heldout: deps
	$(SWIFT) run -c release lab problems heldout
