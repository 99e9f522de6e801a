#!/usr/bin/env bash
# Offline shim for uv: `uv pip install` checks instead of installing, `uv venv DIR` makes a
# stand-in whose activate script changes nothing, `uv run [--with REQ] CMD` runs CMD with the
# host's python3 (`pytest` through its entry point, WORKDIR off `sys.path`).
. "$(dirname "$0")/_lib.sh"
sub="${1:-}"
[ $# -gt 0 ] && shift
case "$sub" in
  pip)
    if [ "${1:-}" = install ]; then
      shift
      pip_install_check "$@"
      exit $?
    fi
    shim_note "uv pip ${1:-}: not available offline"
    exit 127 ;;
  venv)
    dir=".venv"
    while [ $# -gt 0 ]; do
      case "$1" in
        -p|--python|--prompt|--index-url|--extra-index-url) shift 2; continue ;;
        -*) ;;
        *) dir="$1" ;;
      esac
      shift
    done
    # Like the real `uv venv`, start from an empty directory; never keep (and later source)
    # an activate script that was there before, and fail if the stand-in cannot be written.
    rm -rf "$dir" && mkdir -p "$dir/bin" && : > "$dir/bin/activate" \
      || { shim_note "uv venv $dir: cannot create the environment"; exit 1; }
    shim_note "uv venv $dir: stand-in environment (the host's python3 is used)"
    exit 0 ;;
  run)
    reqs=()
    while [ $# -gt 0 ]; do
      case "$1" in
        -w|--with) reqs+=("${2:-}"); shift 2; continue ;;
        -p|--python|--project|--directory|--from|--index-url|--extra-index-url|--env-file|--with-requirements)
          shift 2; continue ;;
        --) shift; break ;;
        -*) ;;
        *) break ;;
      esac
      shift
    done
    require_python_packages "${reqs[@]}" || exit $?
    if [ "${1:-}" = pytest ]; then
      shift
      run_pytest "$@"
    fi
    [ $# -gt 0 ] || { shim_note "uv run: no command"; exit 2; }
    exec "$@" ;;
  *)
    shim_note "uv ${sub:-(nothing)}: not available offline"
    exit 127 ;;
esac
