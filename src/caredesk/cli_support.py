"""What every CLI command shares: the console, the database, and one-line errors."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from caredesk.errors import DomainError

if TYPE_CHECKING:
    from rich.table import Table

    from caredesk.db.session import Database

# Literal text: what people typed (a case subject "[URGENT] ...", a memo) is printed as written,
# never read as Rich markup (which would drop it, or fail on a stray "[/...]"). Styles are given
# as Text and styles, not as markup in strings.
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)


def reset_consoles() -> None:
    """Makes the two consoles again, in place (every module holds them by name), for a process
    whose terminal and environment are not those it started with: a command the command server
    runs. A console reads the terminal's colours and the environment when it is made."""
    Console.__init__(console, markup=False)
    Console.__init__(err_console, stderr=True, markup=False)


def listing(*columns: str, whole: tuple[str, ...] = (), **options: Any) -> Table:
    """A table for a list command. Its ``whole`` columns (ids, case numbers, times) are never
    wrapped or cut: a person copies them into the next command. Every other column folds what
    does not fit onto more lines rather than hiding it behind an ellipsis. No frame, a rule under
    the headings (as `ps` or `kubectl get` print): a frame takes three columns a column, which
    an 80-column terminal cannot spare, and gets in the way of grep."""
    from rich import box
    from rich.table import Table

    options.setdefault("box", box.SIMPLE_HEAD)
    options.setdefault("show_edge", False)
    table = Table(**options)
    for column in columns:
        if column in whole:
            table.add_column(column, no_wrap=True, min_width=len(column))
        else:
            table.add_column(column, overflow="fold")
    return table


def show_listing(console: Any, table: Table, *, none: str) -> None:
    """`table`, or the words `none` when it has no row (an empty frame tells a person less).

    In a terminal (or with COLUMNS set), a table that cannot fit with its words whole is shown
    a record at a time, as psql's expanded display does: squeezed into 80 columns, seven columns
    fold their words and even their headings into fragments ("priorit" over "y")."""
    if not table.row_count:
        console.print(none, markup=False, highlight=False)
        return
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Into a pipe or a file, each row whole on one line, at the table's own width: what
        # grep, sort or a script reads (as `caredesk staffing plan` writes its table).
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update_width(100_000), table).maximum
        Console(file=console.file, width=max(natural, console.width), markup=False).print(table)
        return
    if _words_stay_whole(console.width, table):
        console.print(table)
        return
    _print_records(console, table)


def _words_stay_whole(width: int, table: Table) -> bool:
    """Whether `table` printed `width` columns wide keeps every word of its cells and headings
    whole: long text wrapping at its spaces reads well, "Essenti" over "als" does not. Rich
    squeezes columns before it breaks words, so the table is rendered (as plain text) to see."""
    import io

    from rich.console import Console

    plain = Console(width=width, file=io.StringIO(), color_system=None, markup=False)
    plain.print(table)
    words = {
        word
        for column in table.columns
        for cell in (column.header, *column.cells)
        for word in str(cell).split()
    } | set(str(table.title or "").split())
    rendered = plain.file.getvalue()  # type: ignore[attr-defined]
    return all(token in words for token in rendered.split() if token.strip(_RULES))


_RULES = "─━│┃┏┓┗┛┡┩└┘┌┐├┤┬┴┼╇╈╋┳┻╸╺ "


def _print_records(console: Any, table: Table) -> None:
    """Each row as its whole columns on one line, then every other column as "name  value",
    the value folding under itself; a blank line between records."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if table.title:
        console.print(table.title, markup=False, highlight=False)
        console.print()
    columns = table.columns
    cells = [list(column.cells) for column in columns]
    # The record's heading: its whole columns (ids, case numbers), or else its first column.
    whole = [index for index, column in enumerate(columns) if column.no_wrap] or [0]
    rest = [index for index in range(len(columns)) if index not in whole]
    label = max((len(str(columns[index].header)) for index in rest), default=0)
    for row in range(table.row_count):
        if row:
            console.print()
        console.print(
            Text("  ".join(_one_line(cells[index][row]) for index in whole), style="bold"),
            soft_wrap=True,
        )
        record = Table.grid(padding=(0, 2))
        record.add_column(no_wrap=True, min_width=label)
        record.add_column(overflow="fold")
        for index in rest:
            value = _one_line(cells[index][row])
            if value:
                record.add_row(Text(str(columns[index].header), style="dim"), Text(value))
        console.print(Padding(record, (0, 0, 0, 2), expand=False))


def _one_line(cell: Any) -> str:
    # A cell may hold two lines (an account's number over its holder's name).
    return "  ".join(part for part in str(cell).splitlines() if part.strip())


def lazy_module(name: str) -> ModuleType:
    """The module `name`, run only when one of its names is first used.

    A command group names the services its commands call at the top of its module, and `--help`
    (which imports the group to list its commands) does not load them nor the ORM behind them."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


# Starting a command builds objects that live as long as the process (modules, classes, mapped
# tables) and next to no garbage, and the collector walks them again and again meanwhile: about
# a tenth of a command's start. It is off for the start and on again after it, for the commands
# that run on (serve, the dispatcher, a demo load); a process forked meanwhile collects at once.
START_WITHOUT_COLLECTOR_SECONDS = 1.0


def collect_garbage_later(after: float = START_WITHOUT_COLLECTOR_SECONDS) -> threading.Timer | None:
    """Turns the garbage collector off for ``after`` seconds, unless it is off already (the
    caller's choice, kept). Gives the timer that turns it on again."""
    if not gc.isenabled():
        return None
    gc.disable()
    os.register_at_fork(after_in_child=gc.enable)
    timer = threading.Timer(after, gc.enable)
    timer.daemon = True
    timer.start()
    return timer


def fail(message: str) -> typer.Exit:
    """Prints one line saying what to change and gives the exit to raise."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@contextmanager
def run_command() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise fail(f"{where}{exc.detail}") from None
    except Exception as exc:
        # SQLAlchemy is imported here, not at start-up: a command that never touched the
        # database has not loaded it.
        if "sqlalchemy" not in sys.modules:
            raise
        from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

        if isinstance(exc, IntegrityError):
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise fail(f"nothing was stored: {first}") from None
        if isinstance(exc, OperationalError | ProgrammingError):
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise fail(
                f"database: {first} (run `caredesk db upgrade`, check CAREDESK_DATABASE_URL)"
            ) from None
        raise


@contextmanager
def open_database() -> Iterator[Database]:
    from caredesk.bootstrap import connect_database
    from caredesk.config import get_settings

    db = connect_database(get_settings())
    db.before_write = _load_the_tables_referred_to
    try:
        yield db
    finally:
        db.engine.dispose()


def _load_the_tables_referred_to() -> None:
    """A command loads only the models it reads, and a read needs no more; before it writes,
    the tables its rows may refer to are loaded too (``db.registry.load_tables_referred_to``)."""
    from caredesk.db.registry import load_tables_referred_to

    load_tables_referred_to()


def is_interactive() -> bool:
    return sys.stderr.isatty()
