#!/usr/bin/env bash
# Offline shim for uvx: `uvx [-p V] [-w REQ]... pytest ARGS` runs pytest's entry point with
# the host's python3, after checking that pytest and every `-w` requirement are installed.
. "$(dirname "$0")/_lib.sh"
reqs=()
while [ $# -gt 0 ]; do
  case "$1" in
    -w|--with) reqs+=("${2:-}"); shift 2; continue ;;
    --with=*) reqs+=("${1#--with=}") ;;
    -p|--python|--from|--index-url|--extra-index-url|--default-index|--index|-i|--cache-dir|--directory|--project|--with-requirements|--with-editable|--constraints|--overrides)
      shift 2; continue ;;
    --) shift; break ;;
    -*) ;;
    *) break ;;
  esac
  shift
done
tool="${1:-}"
[ $# -gt 0 ] && shift
case "$tool" in
  pytest|pytest[=\<\>~!@]*) reqs+=("$tool") ;;
  *) shim_note "uvx ${tool:-(nothing)}: only pytest is mapped offline"; exit 127 ;;
esac
require_python_packages "${reqs[@]}" || exit $?
run_pytest "$@"
