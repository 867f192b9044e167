"""Command line: `python -m bot <command>` (also installed as `vhttdl`).

    python -m bot catalog check          validate data/procedures/*.yml
    python -m bot catalog show ID        print every answer the assistant gives for a procedure
    python -m bot catalog find TEXT      show what retrieval finds for a citizen's phrasing
    python -m bot nlu generate [--check] regenerate data/nlu/generated/ from data/nlu/*.yml
    python -m bot dossiers import FILE   add dossiers from a .json or .csv file (all or nothing)
    python -m bot dossiers list          list dossiers in the SQLite store (no personal data)
    python -m bot dossiers demo          load ~50 made-up dossiers (all statuses) for trying
    python -m bot privacy purge          delete conversations idle for over 24 h from the tracker store,
                                         and the staff console's masked texts older than that
    python -m bot run                    start action server, Rasa and the channel gateway
    python -m bot gateway                start only the channel gateway (Rasa must be running)
    python -m bot masked -- COMMAND...   run a server with personal data masked in its output
    python -m bot forms check            validate data/forms/*.yml against the catalog
    python -m bot forms render-samples   regenerate the PNG previews in docs/forms/
    python -m bot forms purge            delete expired filled forms
    python -m bot staff add USERNAME --role officer|admin [--name "Họ tên"] [--password-stdin]
                                         create a staff console account (asks the password twice)
    python -m bot staff list             list staff console accounts
    python -m bot staff disable USERNAME refuse an account's logins and end its sessions
    python -m bot staff enable USERNAME  allow an account's logins again
    python -m bot staff unlock USERNAME  lift a lockout after 5 failed logins
    python -m bot staff password USERNAME  set a new password (ends the account's sessions)
"""
from __future__ import annotations

import argparse
import sys


def _report(problems: list[str], where: str) -> bool:
    """Print every problem and a count on stderr; True if there were any."""
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {where}.", file=sys.stderr)
    return bool(problems)


def _catalog_check(args: argparse.Namespace) -> int:
    from bot.catalog import check_catalog

    if _report(check_catalog(), "the catalog"):
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


def _dossier_store(args: argparse.Namespace):
    from pathlib import Path

    from bot.dossiers.source import default_db_path
    from bot.dossiers.sqlite_source import SqliteSource

    return SqliteSource(Path(args.db) if args.db else default_db_path())


def _dossiers_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.catalog import load_catalog
    from bot.dossiers.importer import ImportProblems, parse_records, read_records

    try:
        dossiers = parse_records(read_records(Path(args.file)), load_catalog())
        added = _dossier_store(args).add_all(dossiers, replace=args.replace)
    except ImportProblems as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        print(f"Nothing imported: {len(exc.problems)} problem(s).", file=sys.stderr)
        return 1
    except ValueError as exc:  # codes already in the store
        print(f"Nothing imported: {exc} (use --replace to update them).", file=sys.stderr)
        return 1
    print(f"Imported {added} dossier(s) into {_dossier_store(args).path}.")
    return 0


def _dossiers_list(args: argparse.Namespace) -> int:
    from bot.dossiers.model import mask_name

    store = _dossier_store(args)
    rows = list(store.all(status=args.status, limit=args.limit))
    for d in rows:
        print(f"{d.code}  {d.status:16} {d.procedure_id:26} nhận {d.received_at:%d/%m/%Y}  hạn {d.due_at:%d/%m/%Y}  "
              f"{mask_name(d.applicant_name)}")
    print(f"{len(rows)} of {store.count()} dossier(s) in {store.path}")
    return 0


def _dossiers_demo(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.catalog import load_catalog
    from bot.dossiers.demo import demo_dossiers

    store = _dossier_store(args)
    if store.count() and not args.force:
        print(f"{store.path} already holds {store.count()} dossier(s); use --force to add the demo set anyway.",
              file=sys.stderr)
        return 1
    dossiers = demo_dossiers(load_catalog(), dt.date.today())
    store.add_all(dossiers, replace=True)
    print(f"Loaded {len(dossiers)} demo dossiers into {store.path}. Try one (made-up data):")
    for d in dossiers[:3]:
        print(f"  {d.code}  ({d.status}), 4 số cuối điện thoại: {d.applicant_phone[-4:]}")
    return 0


def _forms_check(args: argparse.Namespace) -> int:
    from bot.catalog import load_catalog
    from bot.forms.samples import sample_forms, sample_values
    from bot.forms.templates import check_templates

    problems = check_templates(catalog=load_catalog())
    if not problems:
        for form in sample_forms():  # every example must pass its own field's validation
            try:
                sample_values(form)
            except ValueError as exc:
                problems.append(str(exc))
    if _report(problems, "data/forms/"):
        return 1
    print(f"Forms OK: {len(sample_forms())} procedure forms.")
    return 0


def _forms_render_samples(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.forms.samples import render_samples

    for path in render_samples(Path(args.out) if args.out else None):
        print(path)
    return 0


def _forms_purge(args: argparse.Namespace) -> int:
    from bot.forms.delivery import FileStore

    print(f"Removed {FileStore().purge()} expired delivery(ies).")
    return 0


def _privacy_purge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.privacy import purge_conversations, tracker_store_url

    from bot.analytics.recorder import purge_texts

    # The masked texts kept for the staff console's review queue go with the conversations.
    print(f"Removed {purge_texts(args.hours)} masked text(s) older than {args.hours:g} h from the console database.")
    url = tracker_store_url(Path(args.endpoints))
    if url is None:
        print(f"{args.endpoints}: no SQL tracker store; nothing to purge.", file=sys.stderr)
        return 1
    print(f"Deleted {purge_conversations(url, args.hours)} conversation(s) idle for more than {args.hours:g} h.")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.launcher import run

    return run(web_port=args.web_port, rasa_port=args.rasa_port, actions_port=args.actions_port)


def _gateway(args: argparse.Namespace) -> int:
    from bot.gateway import serve

    overrides = {k: v for k, v in (("port", args.port), ("host", args.host), ("rasa_url", args.rasa_url)) if v}
    serve(**overrides)
    return 0


def _masked(args: argparse.Namespace) -> int:
    from bot.masked import run

    return run(args.server[1:] if args.server[:1] == ["--"] else args.server)


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (also checked against the service definitions in deploy/)."""
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

    dossiers = sub.add_parser("dossiers", help="the embedded dossier store (SQLite)").add_subparsers(
        dest="action", required=True)
    imp = dossiers.add_parser("import", help="add dossiers from a .json or .csv file, all or nothing")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help="update dossiers whose code is already stored")
    imp.set_defaults(func=_dossiers_import)
    lst = dossiers.add_parser("list", help="list stored dossiers (names masked, no phone or CCCD)")
    lst.add_argument("--status", help="only this status, e.g. yeu_cau_bo_sung")
    lst.add_argument("--limit", type=int, default=50)
    lst.set_defaults(func=_dossiers_list)
    demo = dossiers.add_parser("demo", help="load about 50 made-up dossiers across all statuses")
    demo.add_argument("--force", action="store_true", help="add them even if the store is not empty")
    demo.set_defaults(func=_dossiers_demo)
    for p in (imp, lst, demo):
        p.add_argument("--db", help="SQLite file (default: $VHTTDL_DOSSIER_DB or .var/dossiers.db)")

    forms = sub.add_parser("forms", help="filled-in official forms").add_subparsers(dest="action", required=True)
    forms.add_parser("check", help="validate data/forms/*.yml").set_defaults(func=_forms_check)
    samples = forms.add_parser("render-samples", help="regenerate docs/forms/*.png")
    samples.add_argument("--out", help="output directory (default docs/forms)")
    samples.set_defaults(func=_forms_render_samples)
    forms.add_parser("purge", help="delete expired filled forms").set_defaults(func=_forms_purge)

    privacy = sub.add_parser("privacy", help="retention of conversations").add_subparsers(dest="action", required=True)
    purge = privacy.add_parser("purge", help="delete conversations idle for longer than --hours from the tracker store")
    purge.add_argument("--hours", type=float, default=24.0)
    purge.add_argument("--endpoints", default="endpoints.yml")
    purge.set_defaults(func=_privacy_purge)

    run = sub.add_parser("run", help="start the action server, Rasa and the channel gateway")
    run.add_argument("--web-port", type=int, default=8080)
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.set_defaults(func=_run)

    gateway = sub.add_parser("gateway", help="start only the channel gateway (web widget, Telegram, Zalo OA)")
    gateway.add_argument("--port", type=int, help="default 8080, or GATEWAY_PORT / channels.local.yml")
    gateway.add_argument("--host", help="default 127.0.0.1; 0.0.0.0 to accept other machines")
    gateway.add_argument("--rasa-url", help="default http://127.0.0.1:5005; several replicas: comma-separated")
    gateway.set_defaults(func=_gateway)

    masked = sub.add_parser("masked", help="run a server with personal data masked in its output (systemd, docker)")
    masked.add_argument("server", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    masked.set_defaults(func=_masked)

    from bot.staff.cli import register as staff_commands

    staff_commands(sub)  # python -m bot staff add/list/disable/enable/unlock/password
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
