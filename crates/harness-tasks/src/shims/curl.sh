#!/usr/bin/env bash
# Offline shim for curl: no download happens. The would-be download is replaced by a harmless
# script, so `curl ... | sh` and `curl -o install.sh ... && sh install.sh` succeed.
. "$(dirname "$0")/_lib.sh"
out=""
remote=0
urls=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--output) out="${2:-}"; shift 2; continue ;;
    --output=*) out="${1#--output=}" ;;
    -O|--remote-name) remote=1 ;;
    -H|--header|-d|--data|--data-raw|--data-binary|--data-urlencode|-X|--request|-u|--user|-A|--user-agent|-e|--referer|-m|--max-time|--connect-timeout|--retry|--retry-delay|--retry-max-time|-w|--write-out|--proto|--proto-redir|-K|--config|-T|--upload-file|-x|--proxy|-b|--cookie|-c|--cookie-jar|-F|--form|-r|--range|-C|--continue-at|-z|--time-cond|--cacert|--cert|--key|-E|--resolve)
      shift 2; continue ;;
    --*) ;;
    -*)
      flags="${1#-}"
      case "$flags" in *O*) remote=1 ;; esac
      case "$flags" in
        *o) out="${2:-}"; shift 2; continue ;;
        *[HdXuAemwKTxbcFrCzE]) shift 2; continue ;;
      esac ;;
    *) urls+=("$1") ;;
  esac
  shift
done
shim_note "skipped download: ${urls[*]:-(no url)}"
payload() {
  cat <<'SCRIPT'
#!/bin/sh
# harness offline shim: the download was skipped; this harmless script stands in for it.
# Installers such as uv's leave $HOME/.local/bin/env to be sourced; provide an empty one.
if [ -n "$HOME" ] && [ ! -e "$HOME/.local/bin/env" ]; then
  mkdir -p "$HOME/.local/bin" 2>/dev/null && : > "$HOME/.local/bin/env" 2>/dev/null
fi
:
SCRIPT
}
# Real curl exits 23 when it cannot write its output; so must the stand-in, or a script would
# go on to run whatever file was already there.
if [ -n "$out" ] && [ "$out" != "-" ]; then
  payload > "$out" || exit 23
elif [ "$remote" = 1 ] && [ ${#urls[@]} -gt 0 ]; then
  name="${urls[0]##*/}"
  name="${name%%\?*}"
  payload > "${name:-index.html}" || exit 23
else
  payload
fi
exit 0
