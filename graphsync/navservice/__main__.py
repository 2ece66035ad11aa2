"""``python -m graphsync.navservice [--pages PROFILE] [--company nav.sqlite] [--port 7048]``: serve an embedded
company as NAV 2018's or Business Central's OData V4 endpoint in the foreground, to try the OData connector
without a server (see docs/odata.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import uvicorn

from graphsync.errors import NavError
from graphsync.nav.embedded import EmbeddedNav
from graphsync.nav.odata.names import OptionForm
from graphsync.navservice.app import create_app
from graphsync.navservice.pages import DEFAULT_PROFILE, PROFILES


def _user_zone(text: str) -> tuple[str, str]:
    user, sep, zone = text.partition("=")
    if not sep or not user.strip() or not zone.strip():
        raise argparse.ArgumentTypeError(f"expected USER=ZONE such as NYUSER=America/New_York, got {text!r}")
    return user.strip(), zone.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphsync.navservice", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pages",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help="which server and pages: the shipped pages (-standard) or as docs/odata.md sets them up (-graphsync)",
    )
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
    parser.add_argument(
        "--server-time-zone",
        metavar="ZONE",
        help="the Services Default Time Zone web-service sessions stamp in (IANA name; stored in the company)",
    )
    parser.add_argument(
        "--user-time-zone",
        metavar="USER=ZONE",
        action="append",
        type=_user_zone,
        default=[],
        help="a client user's time zone, for edits made as that user (graphsync nav ...); repeatable",
    )
    parser.add_argument(
        "--options",
        choices=[f.value for f in OptionForm],
        help="override the profile's form of option values on the wire",
    )
    args = parser.parse_args(argv)
    credentials = None
    if args.user:
        key = os.environ.get(args.key_env)
        if not key:
            parser.error(f"--user needs the web service access key in the environment variable {args.key_env}")
        credentials = (args.user, key)
    publication = PROFILES[args.pages]
    if args.options:
        from dataclasses import replace

        publication = replace(publication, options=OptionForm(args.options))
    try:
        nav = EmbeddedNav.open_or_create(args.company)
        if args.server_time_zone:
            nav.set_services_default_time_zone(args.server_time_zone)
        for user, zone in args.user_time_zone:
            nav.set_user_time_zone(user, zone)
    except NavError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    with nav:
        app = create_app(nav, instance=args.instance, credentials=credentials, publication=publication)
        print(
            f"serving {nav.company_name!r} as {args.pages} at http://{args.host}:{args.port}/{args.instance}/ODataV4/",
            flush=True,
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", lifespan="off", date_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
