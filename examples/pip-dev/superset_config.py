# Superset configuration for the team sandbox.
# Copied from the docs and adjusted; see https://superset.apache.org/docs/configuration/configuring-superset
import os

ROW_LIMIT = 5000
SUPERSET_WEBSERVER_PORT = 8088

# Flask App Builder configuration
SECRET_KEY = "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY"

# Metadata database: sqlite file in the home directory for now
SQLALCHEMY_DATABASE_URI = "sqlite:////home/analyst/.superset/superset.db?check_same_thread=false"

WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = 60 * 60 * 24 * 365

MAPBOX_API_KEY = os.environ.get("MAPBOX_API_KEY", "")

FEATURE_FLAGS = {
    "ENABLE_TEMPLATE_PROCESSING": True,
    "DASHBOARD_RBAC": True,
}
