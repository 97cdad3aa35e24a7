#!/usr/bin/env bash
# Start Superset for the team. Run from this directory: ./run.sh
set -e
cd "$(dirname "$0")"
source venv/bin/activate
export FLASK_APP=superset
export SUPERSET_CONFIG_PATH=$PWD/superset_config.py
superset db upgrade
superset init
nohup superset run -h 0.0.0.0 -p 8088 --with-threads --reload --debugger > superset.log 2>&1 &
echo "Superset started on http://$(hostname -I | cut -d' ' -f1):8088"
