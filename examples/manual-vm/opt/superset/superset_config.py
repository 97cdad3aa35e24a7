# Superset configuration, edited by hand on the server (see the wiki page "Superset on VM")
import os

ROW_LIMIT = 5000
SUPERSET_WEBSERVER_PORT = 8088

# TODO generate a proper key before go-live
SECRET_KEY = 'YOUR_OWN_RANDOM_GENERATED_SECRET_KEY'

SQLALCHEMY_DATABASE_URI = 'postgresql://superset:superset@localhost/superset'

WTF_CSRF_ENABLED = True
WTF_CSRF_EXEMPT_LIST = []
WTF_CSRF_TIME_LIMIT = 60 * 60 * 24 * 365

ENABLE_PROXY_FIX = True

FEATURE_FLAGS = {
    "ALERT_REPORTS": True,
}

CACHE_CONFIG = {
    'CACHE_TYPE': 'RedisCache',
    'CACHE_DEFAULT_TIMEOUT': 300,
    'CACHE_KEY_PREFIX': 'superset_',
    'CACHE_REDIS_HOST': 'localhost',
    'CACHE_REDIS_PORT': 6379,
    'CACHE_REDIS_DB': 1,
}


class CeleryConfig:
    broker_url = 'redis://localhost:6379/0'
    result_backend = 'redis://localhost:6379/0'
    imports = ('superset.sql_lab', 'superset.tasks.scheduler')


CELERY_CONFIG = CeleryConfig
