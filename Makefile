# The two commands of the README: `make demo` and `make test`. Both set everything up first.
# `make demo` starts the service and sends examples/ through its API; Ctrl-C stops it.
# `make demo PORT=8080` (or HOST=0.0.0.0) serves it elsewhere than 127.0.0.1:8000.
.PHONY: setup demo test lint bench

HOST ?= 127.0.0.1
PORT ?= 8000

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/paperclerk serve --host $(HOST) --port $(PORT) --demo examples/ --demo-out out/

lint: setup
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/lint-imports
	.venv/bin/mypy src

test: lint
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python benchmarks/ocr_speed.py
