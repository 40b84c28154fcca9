"""Command line: ``flask users create``, ``flask seed-demo``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from models import RoleName, db

from .errors import MarketError

users_cli = AppGroup("users", help="Manage logins.")


@users_cli.command("create")
@click.option("--phone", required=True, help="11-digit mobile number (the login).")
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in RoleName]), help="Repeat for several roles.")
@click.option("--household-id", type=int, default=None, help="For villagers: their household.")
@click.option("--party-group-id", type=int, default=None, help="For coordinators: their party group.")
@click.password_option(help="At least 8 characters; prompted when omitted.")
def create_user_command(phone, name, roles, household_id, party_group_id, password):
    """Create a login."""
    from .auth.services import create_user

    try:
        user = create_user(None, phone=phone, name=name, password=password,
                           roles=[RoleName(r) for r in roles], household_id=household_id,
                           party_group_id=party_group_id)
    except MarketError as exc:
        db.session.rollback()
        details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.field_texts().items())
        raise click.ClickException(f"{exc.text()} {details}".strip())
    db.session.commit()
    click.echo(f"created user {user.id} {user.phone} ({', '.join(roles)})")


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Drop every table's rows first (development only).")
def seed_demo_command(reset: bool):
    """Load the 北里村 peach story through the services (deterministic)."""
    from . import demo

    summary = demo.seed(reset=reset)
    db.session.commit()
    click.echo(summary.report())


ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("verify")
def ledger_verify_command():
    """Prove the books: trial balance zero, vouchers balanced, numbering gapless, snapshots true,
    dates within open periods, the hash chain of posted vouchers unbroken, settlements re-derived
    from their lines and payments in agreement with the vouchers, the audit trail present, and
    1405 equal to the stock ledger (now and at each period's end), which replays under its costing."""
    _report_verification()
    click.echo("ledger ok: trial balance zero, every voucher balanced, numbering gapless, snapshots equal, "
               "hash chain unbroken, settlements agree with their lines, vouchers and payments, audit trail present, "
               "1405 equals the stock ledger")


@ledger_cli.command("seed-chart")
def ledger_seed_chart_command():
    """Create the standard chart of accounts where missing."""
    from .ledger.services import seed_chart

    accounts = seed_chart()
    db.session.commit()
    click.echo(f"{len(accounts)} accounts in the chart")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_command(target: str):
    """Write a consistent copy of the database to TARGET (SQLite online backup; PostgreSQL pg_dump)."""
    from . import backup

    try:
        path = backup.backup(target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc))
    held = ", ".join(f"{name} {n}" for name, n in backup.counts().items())
    click.echo(f"backed up to {path} ({path.stat().st_size:,} bytes): {held}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database's content without asking.")
def restore_command(source: str, yes: bool):
    """Replace the database's content with the backup SOURCE, then verify the books."""
    from . import backup

    if not yes:
        click.confirm("Every row in the database will be replaced by the backup. Go on?", abort=True)
    try:
        backup.restore(source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc))
    held = ", ".join(f"{name} {n}" for name, n in backup.counts().items())
    click.echo(f"restored from {source}: {held}")
    _report_verification()
    click.echo("ledger verify: ok")


def _report_verification() -> None:
    """Every check of ``flask ledger verify``; exits 1 after printing each breach."""
    from .books.verification import problems as all_problems

    problems = all_problems()
    for problem in problems:
        click.echo(f"FAIL {problem}", err=True)
    if problems:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
