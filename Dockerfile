# syntax=docker/dockerfile:1.7
# deploy-auditor: the image the Helm chart (charts/deploy-auditor) runs as a CronJob.
#
#   docker build -t REGISTRY/deploy-auditor:0.1.0 .
#   docker run --rm REGISTRY/deploy-auditor:0.1.0 scan --help
#
# Base image: pinned to an exact patch release. A tag can still be re-pushed (Debian security
# rebuilds re-push python:3.11.11-slim-bookworm), so CI/release builds should pin the digest
# too: FROM python:3.11.11-slim-bookworm@sha256:<digest>, with the digest taken from
# `docker buildx imagetools inspect python:3.11.11-slim-bookworm` at release time and bumped
# by a dependency bot. It is not written here because no Docker engine or registry is reachable
# where this file was written, and an unverified digest is worse than none.
#
# No helm binary in the image: in a cluster the auditor reads the live API (`scan kube`);
# charts are rendered offline elsewhere (CI, a workstation) and audited there.

############################################################################################
# builder: wheels of the project and of every dependency. Nothing from this stage is copied
# into the final image; the final stage only reads the wheels through a bind mount.
FROM python:3.11.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY auditor ./auditor
COPY checks ./checks
COPY reports ./reports
# Every dependency ships manylinux wheels (PyYAML, psutil, psycopg-binary...): no compiler
# is needed, and --only-binary makes a missing wheel fail the build instead of compiling.
RUN pip wheel --wheel-dir /wheels --only-binary=:all: --no-binary=deploy-auditor . \
    && ls /wheels/deploy_auditor-*.whl

############################################################################################
# final: a venv with the wheels installed, no build tools, no pip, a non-root user.
FROM python:3.11.11-slim-bookworm

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="deploy-auditor" \
      org.opencontainers.image.description="Audits Apache Superset deployments (pip, systemd, Compose, Kubernetes) and scores production readiness" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11.11-slim-bookworm"

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/deploy-auditor \
    PATH=/opt/deploy-auditor/bin:$PATH \
    HOME=/tmp

# The same uid/gid as the chart's runAsUser/runAsGroup (65532, "nonroot" as in distroless).
RUN groupadd --system --gid 65532 nonroot \
    && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin nonroot

# Installed from the builder's wheels only (--no-index: nothing is fetched here), byte-compiled
# at install time so a read-only root filesystem costs nothing at start. The venv has no pip.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv --without-pip "$VIRTUAL_ENV" \
    && python -m pip --python "$VIRTUAL_ENV/bin/python" install --no-index \
       --find-links /wheels deploy-auditor \
    && auditor --version

USER 65532:65532
WORKDIR /tmp

# A CronJob: the Job's exit code is the health signal (0 ok, 1 gate tripped, 2 error).
HEALTHCHECK NONE
ENTRYPOINT ["auditor"]
CMD ["scan", "--help"]
