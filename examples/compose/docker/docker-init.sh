#!/usr/bin/env bash
set -e

STEP_CNT=4
echo_step() {
  echo "Init Step ${1}/${STEP_CNT} [${2}] -- ${3}"
}

ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin}"

echo_step "1" "Starting" "Applying DB migrations"
superset db upgrade

echo_step "2" "Starting" "Setting up admin user ( admin / $ADMIN_PASSWORD )"
superset fab create-admin \
  --username admin \
  --firstname Superset \
  --lastname Admin \
  --email admin@superset.com \
  --password "$ADMIN_PASSWORD"

echo_step "3" "Starting" "Setting up roles and perms"
superset init

if [ "$SUPERSET_LOAD_EXAMPLES" = "yes" ]; then
  echo_step "4" "Starting" "Loading examples"
  superset load_examples
fi
