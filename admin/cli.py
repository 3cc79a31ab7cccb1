"""`python -m admin`: the operators' one command line. Every command delegates to the code the system runs.

    python -m admin seed-registry --count 10000          # synthetic residents (registry.seed)
    python -m admin seed-demo-registry                   # the demo registry of the emulator and the tests
    python -m admin create-staff --login tanaka --name "田中 一郎" --role clerk --password-stdin
    python -m admin create-token --login tanaka --name reporting [--days 90]   # prints the API token once
    python -m admin revoke-tokens --login tanaka [--name reporting]
    python -m admin set-password --login tanaka --password-stdin             # ends tanaka's sessions
    python -m admin lock --login tanaka                  # no sign-in, no API token, every session ends
    python -m admin unlock --login tanaka
    python -m admin remove-staff --login tanaka          # with its sessions and API tokens
    python -m admin seed-demo-staff                      # the demo accounts, development profile only
    python -m admin new-key [--kind blob|payload|cert]   # a fresh key for BLOB_KEYS / PAYLOAD_KEYS / CERT_SIGNING_KEYS
    python -m admin rotate-keys --setting BLOB_KEYS      # new key first, the old ones kept (development keys left out)
    python -m admin list-applications [--status AwaitingReview] [--procedure juminhyo] [--json]
    python -m admin show-application 7K3QF-9M2XA         # the `view` query as JSON, without photo references
    python -m admin withdraw 7K3QF-9M2XA                 # cancel a stuck application (signal `withdraw`)
    python -m admin retry 7K3QF-9M2XA [--dry-run]        # reset the workflow to its last completed workflow task

The command names stay flat (compose, devstack and scripts call them); `--help` groups them by what they act
on. Settings come from the environment (and .env) through config.settings, as everywhere else; the database
commands take `--url` for another database. Exit status: 0 done, 1 refused or failed (one line on stderr),
2 usage error.
"""

from __future__ import annotations

from typing import Annotated

import typer

from admin import applications, keys, registry, staff

app = typer.Typer(
    name="python -m admin",
    help="Madoguchi operators' commands. Exit status: 0 done, 1 refused or failed, 2 usage error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for group in (registry, staff, keys, applications):
    app.add_typer(group.app)


@app.callback()
def _options(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="seconds to wait for Temporal to accept the connection")
    ] = applications.DEFAULT_TIMEOUT,
) -> None:
    ctx.obj = timeout


def main() -> None:
    app(prog_name="python -m admin")
