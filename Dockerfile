FROM python:3.11-slim

# FORWARDED_ALLOW_IPS: the reverse proxy in front (address or network) whose X-Forwarded-For is believed;
# set it to the proxy container's network, or every visitor shares the proxy's address.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/plenary.sqlite3 UPLOAD_DIR=/data/uploads HOST=0.0.0.0 PORT=8000 \
    FORWARDED_ALLOW_IPS=127.0.0.1

WORKDIR /srv/plenary
# Pango and fonts for WeasyPrint, which prints the programme booklet (programme.pdf).
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system plenary && useradd --system --gid plenary --home-dir /srv/plenary plenary \
    && mkdir -p /data /srv/plenary/var && chown plenary:plenary /data /srv/plenary/var

# The locked versions first (their own layer, rebuilt only when the lock changes), then Plenary itself
# without resolving again. Editable, so templates/, static/ and alembic/ are found beside the package.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-deps -e . && pip check && pybabel compile -d app/translations -D messages
COPY alembic.ini ./
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static

USER plenary
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
# uvicorn and the worker both finish what they run on SIGINT; on SIGTERM the worker stops at once.
STOPSIGNAL SIGINT
# Migrate on start, then serve; SECRET_KEY should come from the environment (else one is generated under var/).
# Without QUEUE_URL, serve also works off the embedded queue. With QUEUE_URL (Redis or PostgreSQL) it only
# serves: run this image a second time as the worker, with the command `python -m app worker` (e.g.
# `docker run ... plenary python -m app worker`, or `command: python -m app worker` in compose).
CMD ["sh", "-c", "python -m app migrate && exec python -m app serve --host \"$HOST\" --port \"$PORT\""]
