"""Command line: `python -m bot <command>` (also installed as `vhttdl`).

    python -m bot catalog check          validate data/procedures/*.yml
    python -m bot catalog show ID        print every answer the assistant gives for a procedure
    python -m bot catalog find TEXT      show what retrieval finds for a citizen's phrasing
    python -m bot nlu generate [--check] regenerate data/nlu/generated/ from data/nlu/*.yml
    python -m bot run                    start action server, Rasa and the channel gateway
    python -m bot gateway                start only the channel gateway (Rasa must be running)
"""
from __future__ import annotations

import argparse
import sys


def _catalog_check(args: argparse.Namespace) -> int:
    from bot.catalog import check_catalog

    problems = check_catalog()
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the catalog.", file=sys.stderr)
        return 1
    from bot.catalog import load_catalog

    print(f"Catalog OK: {len(load_catalog())} procedures.")
    return 0


def _catalog_show(args: argparse.Namespace) -> int:
    from bot.answers import FACETS, Answerer

    answerer = Answerer.default()
    procedure = answerer.catalog.get(args.id)
    if procedure is None:
        print(f"No procedure with id {args.id!r}.", file=sys.stderr)
        return 1
    for facet in FACETS:
        print(f"--- {facet}")
        print(answerer.answer(procedure, facet).text)
    return 0


def _catalog_find(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalog
    from bot.retrieval import ProcedureIndex

    match = ProcedureIndex(load_catalog()).search(" ".join(args.text))
    print(match.kind)
    for p, score in zip(match.procedures, match.scores):
        print(f"  {score:.3f}  {p.id:28}  {p.short_name}")
    return 0


def _nlu_generate(args: argparse.Namespace) -> int:
    from bot.nlu_data import generate

    stale = generate(check=args.check)
    if args.check and stale:
        print("data/nlu/generated/ is out of date; run `make nlu`:", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.launcher import run

    return run(web_port=args.web_port, rasa_port=args.rasa_port, actions_port=args.actions_port)


def _gateway(args: argparse.Namespace) -> int:
    from bot.gateway import serve

    overrides = {k: v for k, v in (("port", args.port), ("host", args.host), ("rasa_url", args.rasa_url)) if v}
    serve(**overrides)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    catalog = sub.add_parser("catalog", help="work with the procedure catalog").add_subparsers(dest="action", required=True)
    catalog.add_parser("check", help="validate data/procedures/*.yml").set_defaults(func=_catalog_check)
    show = catalog.add_parser("show", help="print the assistant's answers for one procedure")
    show.add_argument("id")
    show.set_defaults(func=_catalog_show)
    find = catalog.add_parser("find", help="show what retrieval finds for a phrasing")
    find.add_argument("text", nargs="+")
    find.set_defaults(func=_catalog_find)

    nlu = sub.add_parser("nlu", help="training data").add_subparsers(dest="action", required=True)
    gen = nlu.add_parser("generate", help="regenerate accent-free and abbreviated training variants")
    gen.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    gen.set_defaults(func=_nlu_generate)

    run = sub.add_parser("run", help="start the action server, Rasa and the channel gateway")
    run.add_argument("--web-port", type=int, default=8080)
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.set_defaults(func=_run)

    gateway = sub.add_parser("gateway", help="start only the channel gateway (web widget, Telegram, Zalo OA)")
    gateway.add_argument("--port", type=int, help="default 8080, or GATEWAY_PORT / channels.local.yml")
    gateway.add_argument("--host", help="default 127.0.0.1; 0.0.0.0 to accept other machines")
    gateway.add_argument("--rasa-url", help="default http://127.0.0.1:5005")
    gateway.set_defaults(func=_gateway)

    args = parser.parse_args(argv)
    return args.func(args)
