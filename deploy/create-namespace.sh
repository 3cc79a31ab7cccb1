#!/bin/bash
# One-shot job of docker-compose.yml (service temporal-create-namespace, image temporalio/admin-tools), run AFTER
# the Temporal server is healthy and BEFORE the API and the worker start: creates the namespace and registers the
# application's search attributes (the list of config/temporal.py SEARCH_ATTRIBUTES; tests/unit/test_compose.py
# checks that the `register` lines below are exactly that list). Idempotent: what exists is left alone.
set -euo pipefail

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}" "${NAMESPACE:?NAMESPACE is required}"
RETENTION="${NAMESPACE_RETENTION:-720h}" # closed workflows are kept this long (Go duration)

serving() {
    local answer
    answer="$(temporal operator cluster health --address "$TEMPORAL_ADDRESS" 2>&1)" && [[ $answer == *SERVING* ]]
}

attempt=0
until serving; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 60 ]; then
        echo "Temporal at ${TEMPORAL_ADDRESS} is not serving" >&2
        exit 1
    fi
    sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
    echo "namespace ${NAMESPACE} already exists"
else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
        --retention "$RETENTION" --description "Madoguchi: residents' applications to city hall"
fi

# A new namespace reaches the frontend's namespace cache after a few seconds.
attempt=0
until existing="$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE")"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 60 ]; then
        echo "namespace ${NAMESPACE} is not usable" >&2
        exit 1
    fi
    sleep 1
done

register() {
    local name=$1 type=$2
    if grep -qw -- "$name" <<<"$existing"; then
        echo "search attribute ${name} already registered"
    else
        temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
            --name "$name" --type "$type"
    fi
}

register ApplicationStatus Keyword
register ProcedureCode Keyword
register SubmittedAt Datetime
register Escalated Bool
register NeedsAttention Bool
register PaymentStatus Keyword
register ReviewDueAt Datetime
echo "namespace ${NAMESPACE} and its search attributes are ready"
