#!/usr/bin/env python3
"""Development commands for the account_customer_ledger addon.

Everything a newcomer needs after installing Odoo 18.0 and the PostgreSQL
server package: ``demo`` serves Odoo with the addon and its demo ledger,
``test`` runs the whole suite (pytest-odoo, browser tours, linters) on a
throwaway database. The Makefile targets call this script.

PostgreSQL: when one of the standard ``PGHOST``/``PGPORT``/``PGUSER``
variables is set, that server is used. Otherwise a private cluster lives in
``.build/pg`` of the checkout (ignored by git); when running as root its
processes run as the ``postgres`` system user, as PostgreSQL refuses root.
"""

import argparse
import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MODULE = "account_customer_ledger"
ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
# Odoo finds an addon by folder name. The link that shows this checkout as
# account_customer_ledger lives outside the checkout, so that nothing walking
# the addon's folder meets the link again inside it.
ADDONS_LINK_DIR = Path(tempfile.gettempdir()) / f"ledger-addons-{hashlib.sha1(bytes(ROOT)).hexdigest()[:10]}"
# OCA addons for the benchmarks' comparisons: outside the checkout, which is
# the addon's own folder (Odoo would scan them as part of it).
OCA_DIR = Path(tempfile.gettempdir()) / f"ledger-oca-{hashlib.sha1(bytes(ROOT)).hexdigest()[:10]}"
PG_DIR = BUILD / "pg"
PG_DATA = PG_DIR / "data"
# Unix socket paths are limited to about 100 bytes: deep checkouts use /tmp.
PG_SOCKET = PG_DIR / "socket"
if len(str(PG_SOCKET)) > 80:
    PG_SOCKET = Path(tempfile.gettempdir()) / f"ledger-pg-{hashlib.sha1(bytes(ROOT)).hexdigest()[:10]}"
PG_LOG = PG_DIR / "server.log"
PG_PORT = int(os.environ.get("LEDGER_PG_PORT", "54329"))
PG_ROLE = "odoo"
DEMO_DB = "ledger_demo"
REQUIREMENTS = ROOT / "tools" / "requirements-dev.txt"


class SetupError(Exception):
    """A prerequisite is missing; the message says which and how to get it."""


def log(message):
    print(f"[ledger] {message}", flush=True)


def run(cmd, check=True, **kwargs):
    return subprocess.run([str(part) for part in cmd], check=check, **kwargs)


# ---------------------------------------------------------------- checks


def check_odoo():
    probe = "import odoo.release as r, odoo, os;print(r.version_info[0], os.path.dirname(odoo.__file__))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SetupError(
            f"{sys.executable} cannot import odoo. Install Odoo 18.0 Community "
            "(its requirements.txt, then the source folder on PYTHONPATH or a "
            f"non-editable pip install).\n{proc.stderr.strip().splitlines()[-1:]}"
        )
    major, path = proc.stdout.split()
    if major != "18":
        raise SetupError(f"Odoo 18.0 is required, found Odoo {major} at {path}.")
    return Path(path)


def find_pg_bin(name):
    """Locate a PostgreSQL server binary (Debian keeps them off PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise SetupError(
        f"PostgreSQL server program '{name}' not found. Install the PostgreSQL "
        "server (Debian: apt-get install postgresql) or point PGHOST/PGPORT/"
        "PGUSER at a running server."
    )


def external_pg():
    return any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER"))


def check_tools(browser=False, pdf=False):
    missing = []
    if pdf and not shutil.which("wkhtmltopdf"):
        missing.append("wkhtmltopdf (PDF reports; Debian: apt-get install wkhtmltopdf)")
    if browser and not any(shutil.which(b) for b in ("chromium", "google-chrome", "chromium-browser")):
        missing.append("chromium (browser tours; Debian: apt-get install chromium)")
    if missing:
        raise SetupError("Missing: " + "; ".join(missing))


def install_requirements():
    """Install the addon's own Python requirements when one is missing."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            "-r",
            str(REQUIREMENTS),
        ],
        check=False,
    )
    if proc.returncode != 0:
        raise SetupError(f"pip could not install {REQUIREMENTS.name}")


# ---------------------------------------------------------------- postgres


def _as_pg_user(cmd):
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser") or shutil.which("su")
    if not runuser:
        raise SetupError("running as root needs runuser to start PostgreSQL")
    return [runuser, "-u", "postgres", "--", *cmd]


def _pg_is_up():
    pg_isready = find_pg_bin("pg_isready")
    proc = subprocess.run([pg_isready, "-q", "-h", str(PG_SOCKET), "-p", str(PG_PORT)], check=False)
    return proc.returncode == 0


def ensure_private_cluster():
    initdb = find_pg_bin("initdb")
    pg_ctl = find_pg_bin("pg_ctl")
    if _pg_is_up():
        return
    PG_DIR.mkdir(parents=True, exist_ok=True)
    PG_SOCKET.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        try:
            shutil.chown(PG_DIR, "postgres")
            shutil.chown(PG_SOCKET, "postgres")
        except LookupError as exc:
            raise SetupError(
                "running as root needs the 'postgres' system user (installed with Debian's postgresql package)"
            ) from exc
    if not (PG_DATA / "PG_VERSION").exists():
        log(f"creating a private PostgreSQL cluster in {PG_DATA}")
        run(
            _as_pg_user([initdb, "-D", PG_DATA, "-U", PG_ROLE, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]),
            stdout=subprocess.DEVNULL,
        )
    options = (
        f"-k {PG_SOCKET} -p {PG_PORT} -c listen_addresses='' "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c shared_buffers=512MB -c max_connections=200"
    )
    log(f"starting PostgreSQL on port {PG_PORT}")
    run(_as_pg_user([pg_ctl, "-D", PG_DATA, "-l", PG_LOG, "-o", options, "-w", "start"]), stdout=subprocess.DEVNULL)
    if not _pg_is_up():
        raise SetupError(f"PostgreSQL did not start; see {PG_LOG}")


def stop_private_cluster():
    if (PG_DATA / "PG_VERSION").exists() and _pg_is_up():
        run(_as_pg_user([find_pg_bin("pg_ctl"), "-D", PG_DATA, "-m", "fast", "stop"]))


def db_options():
    """Connection options as Odoo command-line arguments."""
    if external_pg():
        opts = []
        for env, opt in (
            ("PGHOST", "db_host"),
            ("PGPORT", "db_port"),
            ("PGUSER", "db_user"),
            ("PGPASSWORD", "db_password"),
        ):
            if os.environ.get(env):
                opts.append(f"--{opt}={os.environ[env]}")
        return opts
    ensure_private_cluster()
    return [f"--db_host={PG_SOCKET}", f"--db_port={PG_PORT}", f"--db_user={PG_ROLE}"]


def psql_env():
    env = dict(os.environ)
    if not external_pg():
        env.update(PGHOST=str(PG_SOCKET), PGPORT=str(PG_PORT), PGUSER=PG_ROLE)
    env.setdefault("PGDATABASE", "postgres")
    return env


def psql(sql, db="postgres"):
    return subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        env=psql_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def db_exists(name):
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def drop_db(name):
    env = dict(psql_env(), PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["dropdb", "--if-exists", "--force", name], env=env, check=False)
    shutil.rmtree(BUILD / "data" / "filestore" / name, ignore_errors=True)


# ---------------------------------------------------------------- odoo


def addons_path(odoo_dir):
    """Odoo finds an addon by folder name: expose the checkout under it."""
    ADDONS_LINK_DIR.mkdir(parents=True, exist_ok=True)
    link = ADDONS_LINK_DIR / MODULE
    if link.is_symlink() and link.resolve() != ROOT:
        link.unlink()
    if not link.exists():
        link.symlink_to(ROOT, target_is_directory=True)
    paths = [odoo_dir / "addons", ADDONS_LINK_DIR]
    if OCA_DIR.is_dir():
        paths.append(OCA_DIR)
    return ",".join(str(path) for path in paths)


# The OCA addons each benchmark compares against, with the addons they need.
OCA_PEERS = {
    "aging": ("account_financial_report", "date_range", "report_xlsx"),
    "credit": ("account_financial_risk",),
}


def ensure_oca_peer(peer):
    """The OCA addons of one comparison, from PyPI, unpacked into a folder
    of their own (never into the Python installation, whose ``odoo`` package
    they would shadow)."""
    for name in OCA_PEERS[peer]:
        if (OCA_DIR / name / "__manifest__.py").exists():
            continue
        with tempfile.TemporaryDirectory() as target:
            requirement = f"odoo-addon-{name}==18.0.*"
            run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, requirement])
            OCA_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copytree(Path(target) / "odoo" / "addons" / name, OCA_DIR / name)


def install_oca_peer(odoo_dir, db, peer):
    """Install one comparison's OCA addon into a benchmark database."""
    ensure_oca_peer(peer)
    log(f"installing the OCA {OCA_PEERS[peer][0]} for comparison")
    run(odoo_cmd(odoo_dir, "-d", db, "-i", OCA_PEERS[peer][0], "--stop-after-init", "--log-level=warn"))


def odoo_cmd(odoo_dir, *args):
    return [
        sys.executable,
        "-m",
        "odoo",
        f"--addons-path={addons_path(odoo_dir)}",
        f"--data-dir={BUILD / 'data'}",
        *db_options(),
        *args,
    ]


def install_db(odoo_dir, name, demo, modules=MODULE, extra=()):
    log(f"creating database {name} ({'with' if demo else 'without'} demo data)")
    args = ["-d", name, "-i", modules, "--stop-after-init", "--log-level=warn", "--max-cron-threads=0", *extra]
    if not demo:
        args.append("--without-demo=all")
    run(odoo_cmd(odoo_dir, *args))


# ---------------------------------------------------------------- commands


def cmd_demo(args):
    odoo_dir = check_odoo()
    check_tools(pdf=True)
    install_requirements()
    db_options()
    if args.rebuild and db_exists(DEMO_DB):
        log(f"dropping {DEMO_DB}")
        drop_db(DEMO_DB)
    if not db_exists(DEMO_DB):
        install_db(odoo_dir, DEMO_DB, demo=True, extra=["--load-language=zh_CN"])
    else:
        log(f"reusing database {DEMO_DB} (use --rebuild to start over)")
    log(f"serving http://localhost:{args.port} (login admin / password admin)")
    serve_args = ["-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", f"--http-port={args.port}"]
    if args.update:
        serve_args += ["-u", MODULE]
    cmd = odoo_cmd(odoo_dir, *serve_args)
    os.execv(cmd[0], cmd)


def cmd_lint(_args):
    install_requirements()
    ok = True
    log("ruff")
    ok &= run(["ruff", "check", "."], check=False, cwd=ROOT).returncode == 0
    ok &= run(["ruff", "format", "--check", "."], check=False, cwd=ROOT).returncode == 0
    log("pylint-odoo")
    files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if ".build" not in p.parts and "tools" not in p.parts]
    ok &= (
        run([sys.executable, "-m", "pylint", "--rcfile", ROOT / ".pylintrc", *files], check=False, cwd=ROOT).returncode
        == 0
    )
    if not ok:
        log("lint FAILED")
    return 0 if ok else 1


def cmd_test(args):
    odoo_dir = check_odoo()
    check_tools(browser=True, pdf=True)
    install_requirements()
    db_options()
    status = 0
    if not args.no_lint:
        status |= cmd_lint(args)
    db = args.db or f"ledger_test_{uuid.uuid4().hex[:8]}"
    nodemo_db = f"{db}_nodemo"
    try:
        if not args.keep or not db_exists(db):
            install_db(odoo_dir, db, demo=True)
        conf = BUILD / f"{db}.conf"
        conf.write_text(
            "[options]\n"
            f"addons_path = {addons_path(odoo_dir)}\n"
            f"data_dir = {BUILD / 'data'}\n"
            + "".join(f"{o[2:].split('=')[0]} = {o.split('=', 1)[1]}\n" for o in db_options())
            + f"db_name = {db}\nwithout_demo = False\n"
        )
        env = dict(os.environ)
        env.update(
            LEDGER_STRICT_SKIPS="1",
            LEDGER_NODEMO_DB=nodemo_db,
            LEDGER_ODOO_CMD=shlex.join(map(str, odoo_cmd(odoo_dir))),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "tools"), os.environ.get("PYTHONPATH")])),
        )
        pytest_args = [
            sys.executable,
            "-m",
            "pytest",
            str(ADDONS_LINK_DIR / MODULE / "tests"),
            f"--odoo-config={conf}",
            "--odoo-http",
            "--odoo-log-level=warn",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:benchmark",
            "-p",
            "pytest_strict_skips",
            *args.pytest_args,
        ]
        status |= run(pytest_args, check=False, env=env, cwd=ADDONS_LINK_DIR).returncode
    finally:
        if not args.keep:
            drop_db(db)
        drop_db(nodemo_db)
        drop_db(f"{nodemo_db}_demo_copy")
    if status:
        log("test FAILED")
    return 1 if status else 0


ODOO_TEST_FAILURE = re.compile(r"\bodoo\.(?:addons\.[\w.]+|tests\.suite): (?:FAIL|ERROR): (.+?)\s*$")
ODOO_TEST_REPORT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_test_failures(odoo_dir, db, modules, log_file):
    """Run Odoo's own post-install tests of ``modules`` on ``db``; return the
    tests that failed or raised, and the result line Odoo printed."""
    tags = ",".join(f"post_install/{module}" for module in modules)
    args = ["-d", db, "--test-enable", f"--test-tags={tags}", "--stop-after-init", "--max-cron-threads=0"]
    args.append(f"--http-port={free_port()}")
    with open(log_file, "w", encoding="utf-8") as out:
        subprocess.run(odoo_cmd(odoo_dir, *args), stdout=out, stderr=subprocess.STDOUT, check=False)
    failures, report = set(), None
    for line in Path(log_file).read_text(encoding="utf-8", errors="replace").splitlines():
        if match := ODOO_TEST_FAILURE.search(line):
            failures.add(match.group(1))
        elif match := ODOO_TEST_REPORT.search(line):
            report = match
    if report is None or not int(report.group(3)):
        raise SetupError(f"Odoo ran none of the tests of {', '.join(modules)} on {db}: see {log_file}")
    return failures, report.group(0).split(": ", 1)[1]


def cmd_odoo_tests(args):
    """Odoo's own tests of the given modules, on a database with the addon
    and on one without it: a test that fails only with the addon is a
    standard behaviour the addon broke."""
    odoo_dir = check_odoo()
    check_tools(browser=True, pdf=True)
    install_requirements()
    db_options()
    modules = [module.strip() for module in args.modules.split(",") if module.strip()]
    results = {}
    for label, installed in (("with", [*modules, MODULE]), ("without", modules)):
        db = f"ledger_odoo_tests_{label}"
        drop_db(db)
        install_db(odoo_dir, db, demo=False, modules=",".join(installed))
        done = psql("SELECT string_agg(name, ',') FROM ir_module_module WHERE state = 'installed'", db=db)
        missing = sorted(set(installed) - set(done.split(",")))
        if missing:
            raise SetupError(f"{', '.join(missing)} did not install on {db}")
        log_file = BUILD / f"odoo-tests-{label}.log"
        log(f"Odoo's tests of {', '.join(modules)} {label} the addon (log: {log_file})")
        try:
            results[label] = odoo_test_failures(odoo_dir, db, modules, log_file)
        finally:
            if not args.keep:
                drop_db(db)
        log(f"{label} the addon: {results[label][1]}")
    broken = sorted(results["with"][0] - results["without"][0])
    for test in sorted(results["without"][0]):
        log(f"fails without the addon too: {test}")
    for test in broken:
        log(f"FAILS ONLY WITH THE ADDON: {test}")
    if broken:
        log("odoo-tests FAILED")
        return 1
    log("odoo-tests: no test of Odoo fails because of the addon")
    return 0


def run_in_odoo(odoo_dir, db, body):
    """Run ``body`` (Python source using ``env``, superuser, committed at the
    end) in an Odoo environment on ``db``."""
    script = (
        "import sys, odoo\n"
        "from odoo.tools import config\n"
        f"sys.path.insert(0, {str(ROOT / 'tools')!r})\n"
        f"config.parse_config({odoo_cmd(odoo_dir)[3:]!r} + ['-d', {db!r}, '--log-level=warn'])\n"
        "from odoo.modules.registry import Registry\n"
        f"registry = Registry({db!r})\n"
        "with registry.cursor() as cr:\n"
        "    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})\n"
        + "".join(f"    {line}\n" for line in body.strip().splitlines())
        + "    cr.commit()\n"
    )
    return run([sys.executable, "-c", script], check=False).returncode


def generate_ledger(odoo_dir, db, customers, invoices, seed, open_share=None):
    if not db_exists(db):
        install_db(odoo_dir, db, demo=False)
    started = time.monotonic()
    status = run_in_odoo(
        odoo_dir,
        db,
        f"stats = env['customer.ledger.generator']._generate_large_ledger("
        f"customers={customers}, invoices={invoices}, seed={seed}, open_share={open_share!r})\n"
        "for key, value in stats.items():\n"
        "    print(f'{key}: {value}')",
    )
    log(f"generation took {time.monotonic() - started:.1f}s")
    return status


def cmd_generate(args):
    odoo_dir = check_odoo()
    install_requirements()
    db_options()
    return generate_ledger(odoo_dir, args.db, args.customers, args.invoices, args.seed, args.open_share)


# The tables a classification benchmark writes (and then deletes from).
CLASSIFY_WRITTEN_TABLES = (
    "customer_class_assignment",
    "customer_class_history",
    "customer_class_run_metrics",
    "customer_class_snapshot",
    "mail_message",
    "res_partner",
)


def cmd_bench_classify(args):
    """Classification benchmark: one ledger per size (customers, ten
    invoices each), created on first use and reused afterwards."""
    odoo_dir = check_odoo()
    install_requirements()
    db_options()
    results = []
    for size in args.sizes:
        db = f"{args.prefix}_{size}"
        if not db_exists(db):
            if generate_ledger(odoo_dir, db, size, size * 10, args.seed):
                return 1
        else:
            log(f"reusing {db}; updating the addon")
            run(odoo_cmd(odoo_dir, "-d", db, "-u", MODULE, "--stop-after-init", "--log-level=warn"))
            # Every run writes and deletes some 900,000 rows: without
            # compacting, the next run's first classification inserts into
            # bloated tables and indexes (+20 % after two runs).
            psql(f"VACUUM FULL ANALYZE {', '.join(CLASSIFY_WRITTEN_TABLES)}", db=db)
        out = BUILD / f"bench-classify-{size}.json"
        result = {}
        # Then the first classification again, queued by the wizard, on
        # tables compacted again as the first run found them.
        for call in (f"run(env, repeat={args.repeat})", "run_background(env)"):
            if result:
                psql(f"VACUUM FULL ANALYZE {', '.join(CLASSIFY_WRITTEN_TABLES)}", db=db)
            status = run_in_odoo(
                odoo_dir,
                db,
                "import json, bench_classify\n"
                f"result = bench_classify.{call}\n"
                f"open({str(out)!r}, 'w').write(json.dumps(result))\n"
                "cr.rollback()",
            )
            if status:
                return status
            result.update(json.loads(out.read_text()))
        result["background_vs_sql"] = result["background_s"] / result["bare_sql_s"]
        results.append(result)
    header = (
        f"{'customers':>10} {'inv. lines':>11} {'bare SQL':>9} {'metrics':>8} {'propose':>8} {'x SQL':>6} "
        f"{'changes':>8} {'apply':>8} {'first run':>9} {'x SQL':>6} {'rerun':>8} {'x SQL':>6} "
        f"{'pass':>8} {'x SQL':>6} {'queued':>7} {'bkgd':>8} {'x SQL':>6} {'checks':>7}"
    )
    print(header)
    for r in results:
        print(
            f"{r['customers']:>10,} {r['invoice_lines']:>11,} {r['bare_sql_s']:>8.2f}s {r['metrics_s']:>7.2f}s "
            f"{r['propose_s']:>7.2f}s {r['propose_vs_sql']:>5.1f}x {r['changes']:>8,} {r['apply_s']:>7.2f}s "
            f"{r['classify_s']:>8.2f}s {r['classify_vs_sql']:>5.1f}x {r['rerun_s']:>7.2f}s {r['rerun_vs_sql']:>5.1f}x "
            f"{r['pass_s']:>7.2f}s {r['pass_vs_sql']:>5.1f}x {r['queued_s']:>6.2f}s {r['background_s']:>7.2f}s "
            f"{r['background_vs_sql']:>5.1f}x "
            f"{'ok' if not r['mismatches'] else str(r['mismatches']) + ' diff':>7}"
        )
    print()
    print(f"{'customers':>10} {'receivable items':>17} {'bare SQL':>9} {'report':>8} {'x SQL':>6} {'checks':>7}")
    for r in results:
        print(
            f"{r['customers']:>10,} {r['receivable_items']:>17,} {r['receivables_sql_s']:>8.2f}s "
            f"{r['receivables_s']:>7.2f}s {r['receivables_vs_sql']:>5.1f}x "
            f"{'ok' if not r['receivables_mismatches'] else str(r['receivables_mismatches']) + ' diff':>7}"
        )
    return 1 if any(r["mismatches"] or r["receivables_mismatches"] for r in results) else 0


def prepare_open_ledger(odoo_dir, args):
    """The benchmark ledger of mostly open invoices: generated on first
    use, otherwise updated to the checkout's addon. Non-zero on failure."""
    if not db_exists(args.db):
        return generate_ledger(odoo_dir, args.db, args.customers, args.invoices, args.seed, open_share=0.85)
    log(f"reusing {args.db}; updating the addon")
    run(odoo_cmd(odoo_dir, "-d", args.db, "-u", MODULE, "--stop-after-init", "--log-level=warn"))
    return 0


def cmd_bench_credit(args):
    """Credit-control benchmark on one large ledger (created on first use)."""
    odoo_dir = check_odoo()
    install_requirements()
    db_options()
    db = args.db
    if prepare_open_ledger(odoo_dir, args):
        return 1
    if args.oca:
        install_oca_peer(odoo_dir, db, "credit")
    out = BUILD / "bench-credit.json"
    status = run_in_odoo(
        odoo_dir,
        db,
        "import json, bench_credit\n"
        f"result = bench_credit.run(env, repeat={args.repeat}, oca={bool(args.oca)})\n"
        f"open({str(out)!r}, 'w').write(json.dumps(result))\n"
        "cr.rollback()",
    )
    if status:
        return status
    r = json.loads(out.read_text())
    print(
        f"{'customers':>10} {'open items':>11} {'bare SQL':>9} {'over-limit filter':>18} {'x SQL':>6} "
        f"{'post, no check':>15} {'post, check':>12} {'check adds':>11} {'x post':>7}"
    )
    print(
        f"{r['customers']:>10,} {r['open_items']:>11,} {r['bare_sql_s']:>8.3f}s {r['filter_s']:>17.3f}s "
        f"{r['filter_vs_sql']:>5.1f}x {r['post_without_s'] * 1000:>13.1f}ms {r['post_with_s'] * 1000:>10.1f}ms "
        f"{r['check_extra_s'] * 1000:>9.1f}ms {r['post_ratio']:>6.2f}x"
    )
    if r["oca_filter_s"] is not None:
        print(
            f"OCA account_financial_risk on the same ledger: Financial risk exceeded filter "
            f"{r['oca_filter_s']:.1f}s ({r['oca_filter_s'] / r['filter_s']:.0f}x the over-limit filter; "
            f"{r['oca_over_limit']:,} customers, the addon {r['over_limit']:,}"
            f"{', the same ones' if r['oca_same_customers'] else ', NOT the same ones'}); "
            f"its check adds {r['oca_check_extra_s'] * 1000:.1f}ms to posting"
        )
    return 0


def cmd_bench_aging(args):
    """Aged-receivable benchmark on a ledger of mostly open invoices
    (created on first use)."""
    odoo_dir = check_odoo()
    install_requirements()
    db_options()
    db = args.db
    if prepare_open_ledger(odoo_dir, args):
        return 1
    if args.oca:
        install_oca_peer(odoo_dir, db, "aging")
    out = BUILD / "bench-aging.json"
    status = run_in_odoo(
        odoo_dir,
        db,
        "import json, bench_aging\n"
        f"result = bench_aging.run(env, repeat={args.repeat}, oca={bool(args.oca)})\n"
        f"open({str(out)!r}, 'w').write(json.dumps(result))\n"
        "cr.rollback()",
    )
    if status:
        return status
    r = json.loads(out.read_text())
    print(f"{r['customers']:,} customers, {r['open_items']:,} open items today")
    print(f"{'as of':>12} {'bare SQL':>9} {'engine':>8} {'x SQL':>6} {'checks':>7} {'OCA':>9} {'OCA / engine':>13}")
    for row in r["dates"]:
        oca = f"{row['oca_s']:>8.2f}s {row['oca_s'] / row['engine_s']:>12.1f}x" if row.get("oca_s") else ""
        print(
            f"{row['label']:>12} {row['bare_s']:>8.2f}s {row['engine_s']:>7.2f}s {row['ratio']:>5.2f}x "
            f"{'ok' if row['agree'] else 'DIFF':>7} {oca}"
        )
    print(f"XLSX of {r['xlsx_rows']:,} rows: {r['xlsx_s']:.1f}s, peak memory +{r['xlsx_peak_mb']:.0f} MB")
    return 0 if all(row["agree"] for row in r["dates"]) else 1


def cmd_wheel(args):
    """Build the wheel from a copy of the tracked files in a folder named
    after the module (whool names the distribution after the folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / MODULE
        files = (
            subprocess.run(
                ["git", "ls-files", "-co", "--exclude-standard", "-z"],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for name in filter(None, files):
            if (ROOT / name).is_file():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, src / name)
        dist = ROOT / "dist"
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src])
    log(f"wheel written to {dist}")
    return 0


def cmd_pg(args):
    if args.stop:
        stop_private_cluster()
        return 0
    opts = db_options()
    log("PostgreSQL ready: " + " ".join(opts))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve Odoo with the addon and its demo ledger")
    p.add_argument("--rebuild", action="store_true", help="drop and recreate ledger_demo")
    p.add_argument("--update", action="store_true", help="update the addon before serving")
    p.add_argument("--port", type=int, default=8069)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("test", help="run the whole test suite on a throwaway database")
    p.add_argument("--db", help="database name (default: a new random one)")
    p.add_argument("--keep", action="store_true", help="keep and reuse the test database")
    p.add_argument("--no-lint", action="store_true")
    p.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("odoo-tests", help="Odoo's own tests of other modules, with and without the addon")
    p.add_argument("--modules", default="account", help="comma-separated Odoo modules whose tests run")
    p.add_argument("--keep", action="store_true", help="keep the two databases")
    p.set_defaults(func=cmd_odoo_tests)

    p = sub.add_parser("lint", help="ruff and pylint-odoo")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("generate", help="build a large ledger for benchmarks")
    p.add_argument("--db", default="ledger_bench")
    p.add_argument("--customers", type=int, default=50000)
    p.add_argument("--invoices", type=int, default=500000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--open-share", type=float, default=None, help="share of invoices left open (0-1)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("bench-classify", help="time classification against bare SQL on large ledgers")
    p.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[10000, 50000, 100000],
        help="customers per ledger, comma-separated (ten invoices each)",
    )
    p.add_argument("--prefix", default="ledger_bench_classify", help="database name prefix")
    p.add_argument("--repeat", type=int, default=3, help="runs of each SQL timing (best is kept)")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_bench_classify)

    p = sub.add_parser("bench-credit", help="time the credit filter and posting check on a large ledger")
    p.add_argument("--db", default="ledger_bench_credit", help="ledger database (created if missing)")
    p.add_argument("--customers", type=int, default=100000, help="customers when the ledger is created")
    p.add_argument("--invoices", type=int, default=1200000, help="invoices when the ledger is created")
    p.add_argument("--repeat", type=int, default=3, help="runs of each SQL timing (best is kept)")
    p.add_argument("--no-oca", dest="oca", action="store_false", help="skip the OCA account_financial_risk")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_bench_credit)

    p = sub.add_parser("bench-aging", help="time the as-of aging engine against bare SQL")
    p.add_argument("--db", default="ledger_bench_aging", help="ledger database (created if missing)")
    p.add_argument("--customers", type=int, default=50000, help="customers when the ledger is created")
    p.add_argument("--invoices", type=int, default=1200000, help="invoices when the ledger is created")
    p.add_argument("--no-oca", dest="oca", action="store_false", help="skip the OCA Aged Partner Balance")
    p.add_argument("--repeat", type=int, default=3, help="runs of each timing (best is kept)")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_bench_aging)

    p = sub.add_parser("wheel", help="build odoo-addon-account_customer_ledger into dist/")
    p.set_defaults(func=cmd_wheel)

    p = sub.add_parser("pg", help="start (or --stop) the private PostgreSQL cluster")
    p.add_argument("--stop", action="store_true")
    p.set_defaults(func=cmd_pg)

    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except SetupError as exc:
        print(f"[ledger] ERROR: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"[ledger] ERROR: command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return exc.returncode or 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
