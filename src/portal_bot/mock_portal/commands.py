"""``portal-bot mock-portal serve``: run the replica in the foreground for QA engineers and demos.

FastAPI and uvicorn are imported inside the command so ``portal-bot --help`` stays fast. The
server binds 127.0.0.1 unless told otherwise and prints the QA token its ``/__qa/`` API expects.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from portal_bot.errors import ConfigError
from portal_bot.i18n import N_, _


def register(app: typer.Typer) -> None:
    mock = typer.Typer(
        help=N_("The mock portal: a local replica of the registration site for tests and demos.")
    )

    @mock.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help=N_("Address to listen on.")),
        port: int = typer.Option(8000, help=N_("Port (0 = any free port).")),
        data: Path | None = typer.Option(
            None, "--data", help=N_("Keep state in SQLite under DIR (else in memory).")
        ),
        variant: int = typer.Option(
            0, min=0, help=N_("Markup variant: field numbering and table/div layout.")
        ),
        now: str | None = typer.Option(
            None, "--now", help=N_("Start the clock at this time (ISO 8601, CST).")
        ),
        qa_token: str | None = typer.Option(
            None,
            "--qa-token",
            envvar="PORTAL_BOT_MOCK_QA_TOKEN",
            help=N_("Token for /__qa/ (random if unset)."),
        ),
        sign_ttl: int = typer.Option(300, min=1, help=N_("Seconds before a signing QR code expires.")),
        session_idle: int = typer.Option(
            0, min=0, help=N_("Drop sessions idle this many seconds (0 = never).")
        ),
        latency: int = typer.Option(
            0, "--latency", min=0, metavar="MS", help=N_("Add MS milliseconds to every page.")
        ),
        error_rate: float = typer.Option(
            0.0,
            "--error-rate",
            min=0.0,
            max=1.0,
            metavar="R",
            help=N_("Answer this share (0..1) of pages with 503."),
        ),
        seed: int = typer.Option(
            0, "--seed", metavar="S", help=N_("Seed of the 503s and of --rename (replayable).")
        ),
        rename: bool = typer.Option(
            False,
            "--rename",
            help=N_("Rename every id, class and name attribute (seeded); nothing visible changes."),
        ),
        drift: bool = typer.Option(
            False,
            "--drift",
            help=N_("Reword texts the flows rely on (a button, a label …): a changed site."),
        ),
    ) -> None:
        """Serve the mock portal until Ctrl+C."""
        from portal_bot.mock_portal.clock import Clock
        from portal_bot.mock_portal.drift import DRIFT

        clock = Clock()
        if now:
            try:
                clock.set(datetime.fromisoformat(now))
            except ValueError as exc:
                raise ConfigError(
                    _("not an ISO date-time: {!r}").format(now),
                    field="--now",
                    hint=_("e.g. 2026-03-15T09:00"),
                ) from exc
        # after the options are checked: the app (FastAPI's models) takes seconds to import
        from portal_bot.mock_portal.server import serve_forever

        try:
            portal, server, sock = serve_forever(
                host=host,
                port=port,
                data_dir=data,
                variant=variant,
                clock=clock,
                qa_token=qa_token,
                sign_ttl_seconds=sign_ttl,
                rename_seed=seed if rename else None,
                drift=DRIFT if drift else None,
            )
        except OSError as exc:
            raise ConfigError(
                _("cannot listen on {}: {}").format(f"{host}:{port}", exc.strerror),
                hint=_("pick another --port"),
            ) from exc
        portal.session_idle_seconds = session_idle or None
        portal.faults.configure(latency_ms=latency, error_rate=error_rate, seed=seed)
        bound = sock.getsockname()
        faults = (
            _(", {latency} ms latency, {rate:.0%} 503s (seed {seed})").format(
                latency=latency, rate=error_rate, seed=seed
            )
            if latency or error_rate
            else ""
        )
        faults += _(", names renamed (seed {})").format(seed) if rename else ""
        faults += _(", texts drifted") if drift else ""
        url = f"http://{bound[0]}:{bound[1]}"
        # The socket already listens (server._bind), so a client reading this line can connect.
        typer.echo(
            _("mock portal on {url}  (variant {variant}{faults})").format(
                url=url, variant=variant, faults=faults
            )
        )
        typer.echo(
            _("QA API: {url}  header X-QA-Token: {token}").format(url=f"{url}/__qa/", token=portal.qa_token)
        )
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            portal.store.close()

    app.add_typer(mock, name="mock-portal")
