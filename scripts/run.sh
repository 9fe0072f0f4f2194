#!/usr/bin/env bash
# `make run`: the web server, the callback dispatcher and a local mail catcher together. Stopping
# any of them (Ctrl-C, SIGTERM, or one of them exiting) stops all, and the script exits with the
# server's status.
#   MAIL_PORT=8025 scripts/run.sh [caredesk serve options...]
# Unless CAREDESK_SMTP_HOST names a real mail server, the outbox delivers to the catcher, which
# keeps every message in var/mail/ (`caredesk outbox list` shows them too).
set -u
bin=${CAREDESK_BIN:-.venv/bin/caredesk}
mail_port=${MAIL_PORT:-8025}

catcher=
if [ -z "${CAREDESK_SMTP_HOST:-}" ]; then
  "$bin" mail catch --host 127.0.0.1 --port "$mail_port" --dir var/mail &
  catcher=$!
  export CAREDESK_SMTP_HOST=127.0.0.1 CAREDESK_SMTP_PORT=$mail_port
fi

# All run in the background so that this shell is free to act on a signal at once (bash runs a
# trap only after the foreground command returns).
"$bin" dispatcher run &
dispatcher=$!
"$bin" serve "$@" &
server=$!

stop() {
  trap - INT TERM
  kill -TERM "$server" "$dispatcher" $catcher 2>/dev/null
}
trap stop INT TERM

# Whichever ends first (or a signal) ends the run.
wait -n "$server" "$dispatcher" $catcher
stop
wait "$server"
status=$?
wait "$dispatcher" $catcher
# 143 and 130: the server ended because it was told to.
case $status in 130 | 143) status=0 ;; esac
exit "$status"
