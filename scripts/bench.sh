#!/usr/bin/env bash
# `make bench`, run under scripts/with-emulator.sh: the webhook, a known customer's worker turn,
# a menu-and-cart turn and the confirming turn of a checkout, with the AWS calls per message
# counted by an SDK middleware.
set -euo pipefail
cd "$(dirname "$0")/.."
cat <<'TXT'
ns/op        wall time per message, including round trips to the emulator on loopback
cpu-ns/op    CPU time of our process per message (our code, the SDK, its HTTP client)
B/op allocs/op   memory allocated per message in our process
*-calls/op   AWS API calls per message (targets: webhook <= 2 in all; a known customer's turn and a
             menu-and-cart turn <= 4 DynamoDB with a warm menu cache; the checkout turn places
             the order: create, publish to the store's POS queue, mark sent, write the conversation)
TXT
go test -run '^$' -bench . -benchmem -benchtime "${BENCHTIME:-300x}" -count "${BENCHCOUNT:-3}" ./shared/wire/
