# One image for api, worker and (dev profile) the LINE emulator.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install --no-cache-dir -c constraints.txt .
ENV PYTHONUNBUFFERED=1
USER nobody
CMD ["python", "-m", "api"]
