#!/usr/bin/env bash
# `make run`: the web server, the callback dispatcher, a local mail catcher, the SIP phone line
# and the command server together. Stopping the server, the dispatcher or the catcher (Ctrl-C,
# SIGTERM, or one of them exiting) stops all, and the script exits with the server's status.
#   MAIL_PORT=8025 SIP_PORT=5060 scripts/run.sh [caredesk serve options...]
# The phone line answers on 127.0.0.1:SIP_PORT (UDP; SIP_PORT=off leaves it out). A port already
# taken is said in one line and the rest runs on: the pages and callbacks do not need it.
# Unless CAREDESK_SMTP_HOST names a real mail server, the outbox delivers to the catcher, which
# keeps every message in var/mail/ (`caredesk outbox list` shows them too).
set -u
bin=${CAREDESK_BIN:-.venv/bin/caredesk}
mail_port=${MAIL_PORT:-8025}
sip_port=${SIP_PORT:-5060}

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
phone=
if [ "$sip_port" != "off" ]; then
  "$bin" sip serve --host 127.0.0.1 --port "$sip_port" &
  phone=$!
fi
# caredesk loaded once, so that each `caredesk` command typed meanwhile starts at once (one that
# a command started earlier is used instead; this one then ends at once).
"$bin" command-server &
commands=$!

stop() {
  trap - INT TERM
  kill -TERM "$server" "$dispatcher" $catcher $phone $commands 2>/dev/null
}
trap stop INT TERM

# Whichever ends first (or a signal) ends the run.
wait -n "$server" "$dispatcher" $catcher
stop
wait "$server"
status=$?
wait "$dispatcher" $catcher $phone $commands
# 143 and 130: the server ended because it was told to.
case $status in 130 | 143) status=0 ;; esac
exit "$status"
