#!/usr/bin/env bash
# `make run`: the web server and the callback dispatcher together. Stopping either (Ctrl-C,
# SIGTERM, or one of them exiting) stops both, and the script exits with the server's status.
#   scripts/run.sh [caredesk serve options...]
set -u
bin=${CAREDESK_BIN:-.venv/bin/caredesk}

# Both run in the background so that this shell is free to act on a signal at once (bash runs a
# trap only after the foreground command returns).
"$bin" dispatcher run &
dispatcher=$!
"$bin" serve "$@" &
server=$!

stop() {
  trap - INT TERM
  kill -TERM "$server" "$dispatcher" 2>/dev/null
}
trap stop INT TERM

# Whichever ends first (or a signal) ends the run.
wait -n "$server" "$dispatcher"
stop
wait "$server"
status=$?
wait "$dispatcher"
# 143 and 130: the server ended because it was told to.
case $status in 130 | 143) status=0 ;; esac
exit "$status"
