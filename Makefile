# caredesk — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Browser libraries (package.json + package-lock.json), served by caredesk from node_modules.
NODE_STAMP := node_modules/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ACCOUNTS ?= 300
# The demo's "today" (YYYY-MM-DD); empty means the real date.
DEMO_AS_OF ?=
# The local mail catcher `make run` starts; the outbox delivers to it.
MAIL_PORT ?= 8025
# The SIP phone line `make run` starts (UDP; off leaves it out).
SIP_PORT ?= 5060
BENCH_CALLBACKS ?= 100000
export CAREDESK_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# The commands make runs (migrations, the demo load, the tests) run in their own processes and
# start no command server in the background; `make run` starts one of its own, stopped with it.
export CAREDESK_COMMAND_SERVER ?= off

.PHONY: install run serve migrate demo test test-fast lint format bench mutate clean

# Bytecode is written here once, so that each command does not compile caredesk's sources again
# (where PYTHONDONTWRITEBYTECODE is set, Python never writes it itself): start-up time.
install: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m compileall -q src >/dev/null

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json .npmrc
	npm ci
	touch $(NODE_STAMP)

migrate: install
	$(BIN)/caredesk db upgrade

demo: migrate
	$(BIN)/caredesk demo load --accounts $(DEMO_ACCOUNTS) --seed 1 --if-empty $(if $(DEMO_AS_OF),--as-of $(DEMO_AS_OF))

# The server, the callback dispatcher and the mail catcher together; Ctrl-C stops them all.
run: demo
	CAREDESK_BIN=$(BIN)/caredesk MAIL_PORT=$(MAIL_PORT) SIP_PORT=$(SIP_PORT) scripts/run.sh --host $(HOST) --port $(PORT)

# The benchmarks are scripts that import each other by file name, hence their own mypy line.
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	MYPYPATH=src:benchmarks $(BIN)/mypy --explicit-package-bases benchmarks/*.py

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: lint
	scripts/ensure-postgres.sh
	$(BIN)/pytest -q -p no:cacheprovider -n 2

test-fast: install
	$(BIN)/pytest -q -x -p no:cacheprovider -m "not postgres and not e2e"

bench: install
	scripts/ensure-postgres.sh
	$(BIN)/python benchmarks/policy_bench.py
	$(BIN)/python benchmarks/routing_bench.py
	$(BIN)/python benchmarks/sim_bench.py
	$(BIN)/python benchmarks/stored_day_bench.py --engine postgresql
	$(BIN)/python benchmarks/cli_start_bench.py
	$(BIN)/python benchmarks/pii_bench.py
	$(BIN)/python benchmarks/api_bench.py --engine sqlite
	$(BIN)/python benchmarks/api_bench.py --engine postgresql
	$(BIN)/python benchmarks/web_bench.py --engine sqlite
	$(BIN)/python benchmarks/web_bench.py --engine postgresql
	$(BIN)/python benchmarks/callback_bench.py --engine sqlite --callbacks $(BENCH_CALLBACKS)
	$(BIN)/python benchmarks/callback_bench.py --engine postgresql --callbacks $(BENCH_CALLBACKS)
	$(BIN)/python benchmarks/callback_bench.py --engine sqlite --callbacks 2000 --planner service
	$(BIN)/python benchmarks/callback_bench.py --engine postgresql --callbacks 2000 --planner service

# Mutation testing of the policy core, the secret finder and the dispatch wing, each with its own
# fast tests; not part of `make test`. CPU-heavy: one area at a time, two test processes.
# MUTATE_AREAS=policy runs one area; MUTATE_ARGS=--retest tests last run's survivors again.
MUTATE_AREAS ?=
MUTATE_ARGS ?=
mutate: install
	$(BIN)/python scripts/mutate.py $(MUTATE_AREAS) --max-children 2 $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
