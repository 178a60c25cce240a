# Two commands: `make run` (embedded default, nothing else needed) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install bench bench-smoke messages

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@# mysqlclient builds against the MariaDB/MySQL client headers.
	@pkg-config --exists libmariadb 2>/dev/null || pkg-config --exists mysqlclient 2>/dev/null || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { apt-get install -y -q pkg-config libmariadb-dev >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q pkg-config libmariadb-dev >/dev/null; }; }; } || \
	  { echo "Install the MariaDB client headers first, e.g.: sudo apt-get install pkg-config libmariadb-dev"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py horn_demo
	$(BIN)/python -m horn.serve --host $(HOST) --port $(PORT) --workers 1

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

# After changing a page's {% translate %} strings: refresh locale/*/django.po, translate the new
# entries, then run it again to compile the .mo files that are committed with them (needs gettext).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l sv --no-obsolete --add-location=file \
	  --ignore='.venv/*' --ignore='var/*' --ignore='bench/*' --ignore='tests/*'
	$(BIN)/python manage.py compilemessages --ignore='.venv/*' --ignore='var/*'

# Horn (MariaDB + Redis, 2 workers) vs the limit server vs the naive Channels peer; needs MariaDB, Redis, wrk.
bench: install
	$(BIN)/python -m bench.run

bench-smoke: install
	$(BIN)/python -m bench.run --smoke --out bench/results/smoke.json
