"""`precert serve`: the staff page, REST API and CDS Hooks on one Uvicorn server."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from precert.cli import EXIT_OK, EXIT_USAGE, command

# The top-level modules of the web extra that serving imports (pyproject.toml: [web]).
WEB_MODULES = ("fastapi", "uvicorn", "jinja2", "multipart", "jwt", "swagger_ui")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the serve command."""
    p = command(
        sub,
        "serve",
        "start the web page for staff, the REST API and CDS Hooks on one server",
        "precert serve --host 127.0.0.1 --port 8000",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; each holds the whole list in memory)",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request: client, method, route template (/codes/{code}), "
        "status, time; never query strings or typed values (off by default)",
    )
    p.add_argument(
        "--public-url",
        default=None,
        help="the URL clients reach this server at, for absolute links such as the Atom "
        "feed's (default $PRECERT_PUBLIC_URL, else http://HOST:PORT)",
    )
    p.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """`precert serve`."""
    if not 0 <= args.port <= 65535:
        print(f"precert serve: --port must be 0-65535, got {args.port}", file=sys.stderr)
        return EXIT_USAGE
    if args.workers < 1:
        print("precert serve: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    # A plain `pip install precert` has the command line only; say what to install.
    missing = [m for m in WEB_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        print(
            f"precert serve: needs {', '.join(missing)}; install them with "
            "pip install 'precert[web]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Heavy imports only here, so `precert check` keeps its fast start.
    import uvicorn

    from precert.web.common import check_public_url

    host = f"[{args.host}]" if ":" in args.host else args.host
    try:
        public_url = check_public_url(
            args.public_url or os.environ.get("PRECERT_PUBLIC_URL") or f"http://{host}:{args.port}"
        )
    except ValueError as exc:
        print(f"precert serve: --public-url: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # Workers build their own apps (and read these); one process passes them directly too.
    os.environ["PRECERT_PUBLIC_URL"] = public_url
    os.environ["PRECERT_ACCESS_LOG"] = "1" if args.access_log else "0"

    from precert.service import default

    service = default()
    # Build the database on first use, and refuse a damaged one now (exit 4 with what to do)
    # rather than on the first request that meets a bad page.
    service.verify()
    for notice in service.notices:
        print(f"precert: {notice}", file=sys.stderr)
    options = {
        "host": args.host,
        "port": args.port,
        # Uvicorn's access log writes whole request targets (typed codes, search words);
        # precert's own (--access-log) writes route templates instead.
        "access_log": False,
        "server_header": False,
        "log_level": "info",
        # uvloop and httptools when installed (the web extra has them), else asyncio / h11.
        "loop": "auto",
        "http": "auto",
    }
    if args.workers > 1:
        # Each worker builds its own app (and preloads its own copy of the data).
        uvicorn.run("precert.web.app:create_app", factory=True, workers=args.workers, **options)
    else:
        from precert.web.app import create_app

        uvicorn.run(
            create_app(service, public_url=public_url, access_log=args.access_log), **options
        )
    return EXIT_OK
