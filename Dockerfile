# One image for the API, the worker, the admin commands and (dev profile only) the LINE emulator.
FROM python:3.11-slim-bookworm

# Debian's Noto CJK fonts: an alternative Japanese font for certificates (CERT_FONT_PATH=
# /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc); by default certificates use the font of the PyPI
# package noto-cjk-sans-jp-regular, a project dependency.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what the system runs: no .env, .venv, var/ or tests in the image (there is no .dockerignore).
COPY pyproject.toml constraints.txt worker.py ./
COPY activities/ activities/
COPY admin/ admin/
COPY api/ api/
COPY backoffice/ backoffice/
COPY bench/ bench/
COPY catalog/ catalog/
COPY certificates/ certificates/
COPY config/ config/
COPY devstack/ devstack/
COPY domain/ domain/
COPY line_emulator/ line_emulator/
COPY lineapi/ lineapi/
COPY messages/ messages/
COPY payments/ payments/
COPY registry/ registry/
COPY storage/ storage/
COPY workflows/ workflows/

# The project, pinned by constraints.txt. psycopg (PostgreSQL driver for DATABASE_URL / REGISTRY_URL) is not a
# project dependency (development uses SQLite): it is installed here only, pinned.
RUN pip install -c constraints.txt . "psycopg[binary]==3.3.9"

# Non-root; /data is the volume of the blob store and the photo index (a new named volume takes this ownership).
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin madoguchi \
    && mkdir -p /data \
    && chown madoguchi:madoguchi /data
USER madoguchi

EXPOSE 8000
CMD ["python", "-m", "api"]
