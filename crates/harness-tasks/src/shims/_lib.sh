# Shared by the offline shims: where they live, how to reach the real programs, and how to
# check Python requirements instead of installing them.
SHIM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

shim_note() { echo "harness offline shim: $*" >&2; }

# The first executable `$1` on PATH outside the shim dir.
real_program() {
  local dir IFS=:
  for dir in $PATH; do
    if [ -n "$dir" ] && [ "$dir" != "$SHIM_DIR" ] && [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then
      printf '%s\n' "$dir/$1"
      return 0
    fi
  done
  return 1
}

# Fail (naming them) unless python3 has every requirement installed, in any version.
require_python_packages() {
  [ $# -eq 0 ] && return 0
  local py
  py="$(real_program python3)" || { shim_note "python3 is not installed; needed for: $*"; return 127; }
  "$py" "$SHIM_DIR/pycheck.py" "$@"
}

# `pip install ARGS`: nothing is installed offline; check the requested packages instead.
pip_install_check() {
  local reqs=() line
  while [ $# -gt 0 ]; do
    case "$1" in
      -r|--requirement)
        if [ -f "${2:-}" ]; then
          while IFS= read -r line || [ -n "$line" ]; do
            line="${line%%#*}"
            line="${line#"${line%%[![:space:]]*}"}"
            line="${line%"${line##*[![:space:]]}"}"
            case "$line" in ""|-*) ;; *) reqs+=("$line") ;; esac
          done < "$2"
        fi
        shift 2; continue ;;
      -e|--editable)
        shim_note "pip install -e ${2:-}: editable installs do not happen offline"
        shift 2; continue ;;
      -c|--constraint|-i|--index-url|--extra-index-url|-f|--find-links|-t|--target|--prefix|--root|--platform|--python-version|--implementation|--abi|--trusted-host|--src|--cache-dir|--progress-bar|--python|-p)
        shift 2; continue ;;
      -*) ;;
      .|./*|/*|*://*|*.whl|*.tar.gz|*.zip)
        shim_note "pip install $1: local and remote archives are not installed offline" ;;
      *) reqs+=("$1") ;;
    esac
    shift
  done
  shim_note "pip install skipped; checking that these are installed: ${reqs[*]:-(nothing)}"
  require_python_packages "${reqs[@]}"
}

# Run pytest with python3 as the real `pytest` entry point does: the working directory is not
# on sys.path, so a `pytest.py` or `_pytest/` that a command left in WORKDIR cannot stand in for
# the real one (`python3 -m pytest` would import it). PYTHONPATH from the task still applies.
run_pytest() {
  local py
  py="$(real_program python3)" || { shim_note "python3 is not installed"; return 127; }
  exec "$py" -c 'import sys
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
sys.argv[0] = "pytest"
import pytest
raise SystemExit((getattr(pytest, "console_main", None) or pytest.main)())' "$@"
}
