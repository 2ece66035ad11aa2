"""``python -m graphsync.navservice [--company nav.sqlite] [--port 7048]``: serve an embedded company as NAV's
OData V4 endpoint in the foreground, to try the OData connector without a NAV server (see docs/odata.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from graphsync.errors import NavError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.navservice.app import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphsync.navservice", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--company",
        type=Path,
        default=Path("nav.sqlite"),
        help="embedded company file (made with CRONUS demo data if absent)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7048)
    parser.add_argument("--instance", default="NAV", help="the server instance in the URL: /<instance>/ODataV4/")
    parser.add_argument("--user", help="require Basic authentication as this NAV user")
    parser.add_argument(
        "--key-env",
        default="NAV_WEB_SERVICE_KEY",
        help="environment variable holding the user's web service access key",
    )
    args = parser.parse_args(argv)
    credentials = None
    if args.user:
        key = os.environ.get(args.key_env)
        if not key:
            parser.error(f"--user needs the web service access key in the environment variable {args.key_env}")
        credentials = (args.user, key)
    try:
        nav = EmbeddedNav.open_or_create(args.company)
    except NavError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    with nav:
        app = create_app(nav, instance=args.instance, credentials=credentials)
        print(f"serving {nav.company_name!r} at http://{args.host}:{args.port}/{args.instance}/ODataV4/", flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
