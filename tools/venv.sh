# Sourced by tools/run-tests and tools/demo: make sure .venv exists and
# holds this project (editable) with its test extras, reinstalling only
# when setup.cfg changed since the last install.
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi
stamp="$VENV/.nova-installed"
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$VENV/bin/pip" install -q -e ".[test]"
    touch "$stamp"
fi
export VENV
