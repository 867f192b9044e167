# A new user needs two commands:
#   make run    set up, train if the training data changed, start the assistant (http://localhost:8080)
#   make test   set up, train if needed, run every check and test
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

NLU_SOURCES := $(wildcard data/nlu/*.yml)
# The catalog (data/procedures/) is NOT a training input: editing it needs no retraining.
TRAINING_INPUTS := config.yml domain.yml $(NLU_SOURCES) $(wildcard data/rules/*.yml data/stories/*.yml) \
                   data/lexicon.yml bot/nlu/components.py data/nlu/generated/.stamp

.PHONY: help setup nlu train run test bench scale-test lock clean

help:
	@echo "make run    set up and start the assistant (chat page on http://localhost:8080)"
	@echo "make test   set up and run all checks and tests"
	@echo "make bench  run the benchmarks and update docs/benchmarks.md"
	@echo "make scale-test  two Rasa replicas on PostgreSQL + Redis, one killed under load (docs/reliability.md)"

setup:
	@scripts/setup.sh

data/nlu/generated/.stamp: $(NLU_SOURCES) data/lexicon.yml bot/nlu_data.py | setup
	$(PY) -m bot nlu generate
	@touch $@

nlu: data/nlu/generated/.stamp

models/.trained: $(TRAINING_INPUTS) | setup
	$(RASA) train --fixed-model-name assistant --out models
	@touch $@

train: setup models/.trained

run: train
	$(PY) -m bot run

test: train
	scripts/ci-deps.sh
	$(PY) -m bot catalog check
	$(PY) -m bot forms check
	$(PY) -m bot nlu generate --check
	$(RASA) data validate --fail-on-warnings
	$(PY) -m pytest -q
	$(RASA) test core --stories tests/test_stories.yml --fail-on-prediction-errors --out results/stories

bench: train
	$(PY) bench/run_all.py

# Opt-in (installs postgresql and redis-server from Debian when missing; root or sudo).
scale-test: train
	scripts/scale-test.sh

# Re-pin every package after changing requirements*.txt.
lock: setup
	scripts/lock.sh

clean:
	rm -rf models results .var .pytest_cache data/nlu/generated/.stamp
