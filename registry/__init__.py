"""The resident registry (住民基本台帳), behind a port.

- `registry.port`: the `Registry` port (what the application needs from the city's registry system),
  its frozen result types and `SqlRegistry`, an adapter over any SQLAlchemy database.
- `registry.matching`: pure matching of what a resident typed in the chat against registry rows
  (`match_applicant`, `match_in_registry`, the `normalise_*` functions). It imports nothing heavy; its
  result, `RegistryMatch`, is an activity result and lives with the other message types in `domain.models`.
- `registry.models`: the SQLAlchemy tables of the synthetic registry.
- `registry.synthetic` / `registry.seed`: a deterministic synthetic registry and its seeding;
  `python -m admin seed-registry --count N` and `python -m admin seed-demo-registry`.

This package file imports nothing on purpose: importing `registry.matching` must not pull in SQLAlchemy.
"""
