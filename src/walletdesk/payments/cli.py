"""`walletdesk simulate payments`: run the sandbox payment provider in the foreground."""

from __future__ import annotations

import typer

from walletdesk.config import Settings
from walletdesk.payments.sandbox import SandboxServer, SandboxState
from walletdesk.payments.settings import PaymentSettings

payments_app = typer.Typer(help="The sandbox payment provider.", invoke_without_command=True)


@payments_app.callback()
def simulate_payments(
    port: int = typer.Option(8900, help="Port to listen on (127.0.0.1)."),
    delay: float = typer.Option(2.0, help="Seconds before the confirming webhook."),
    slow: float = typer.Option(15.0, help="Seconds the timeout mode (cents .52) waits."),
) -> None:
    """Serve charges and payouts and confirm them by signed webhooks."""
    secret = PaymentSettings.of(Settings()).webhook_secret
    server = SandboxServer(SandboxState(secret, delay_seconds=delay, slow_seconds=slow), port=port)
    typer.echo(f"payments sandbox on {server.url} (webhooks signed with the configured secret)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
