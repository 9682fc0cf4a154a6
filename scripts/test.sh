#!/bin/sh
# `npm test`: the type check, ESLint and Prettier run alongside jest, niced so that jest keeps the
# cores, with their caches in node_modules/.cache (CONTRIBUTING.md says what ESLint's cache misses).
# The run fails if any of the four fails, and says which. Arguments go to jest.
nice tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/tsc/tsbuildinfo &
t=$!
nice eslint --cache --cache-location node_modules/.cache/eslint/ . &
e=$!
nice prettier --check --cache --log-level warn . &
p=$!
jest "$@"
j=$?
wait $t; a=$?
wait $e; b=$?
wait $p; c=$?
if [ "$a$b$c$j" != 0000 ]; then
  echo "npm test failed: tsc $a, eslint $b, prettier $c, jest $j" >&2
  exit 1
fi
