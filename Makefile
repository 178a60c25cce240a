# Two commands: `make run` (embedded default, nothing else needed) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py horn_demo
	$(BIN)/uvicorn horn.asgi:application --host $(HOST) --port $(PORT) --loop uvloop --http httptools --log-level warning

test: install
	$(BIN)/pytest
