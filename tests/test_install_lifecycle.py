"""Install without demo data and uninstall on a fresh database.

Run by pytest only (the README's test command gives it the Odoo command and
a throwaway database name); Odoo's own test runner does not import it.
"""

import os
import re
import shlex
import subprocess
from contextlib import closing

import pytest

import odoo
from odoo.tools import SQL

MODULE = "account_customer_ledger"


def _odoo(*args, stdin=None):
    """Run Odoo; a subcommand such as ``shell`` must come before the options."""
    base = shlex.split(os.environ["LEDGER_ODOO_CMD"])
    if args and not args[0].startswith("-"):
        command = base[:3] + [args[0]] + base[3:] + list(args[1:])
    else:
        command = base + list(args)
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=False, timeout=1800)


def _uninstall(db):
    script = (
        f"env['ir.module.module'].search([('name', '=', '{MODULE}')]).button_immediate_uninstall()\nenv.cr.commit()\n"
    )
    proc = _odoo("shell", "-d", db, "--no-http", "--log-level=warn", stdin=script)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert " ERROR " not in proc.stderr, proc.stderr[-4000:]
    odoo.sql_db.close_db(db)


def _assert_gone(db):
    assert _query(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'") == [("uninstalled",)]
    assert _query(db, f"SELECT count(*) FROM ir_model_data WHERE module = '{MODULE}'") == [(0,)]
    columns = _query(
        db,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' "
        "AND (column_name = 'employee_count' OR column_name LIKE 'x\\_customer\\_class\\_%')",
    )
    assert columns == []
    assert _query(db, "SELECT count(*) FROM ir_model_fields WHERE relation = 'customer.class'") == [(0,)]


def _query(db, sql):
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute(sql)
        return cr.fetchall()


@pytest.fixture(scope="module")
def nodemo_db():
    if not os.environ.get("LEDGER_ODOO_CMD") or not os.environ.get("LEDGER_NODEMO_DB"):
        pytest.skip("needs the README's test command (LEDGER_ODOO_CMD, LEDGER_NODEMO_DB)")
    db = os.environ["LEDGER_NODEMO_DB"]
    proc = _odoo(
        "-d", db, "-i", MODULE, "--without-demo=all", "--stop-after-init", "--log-level=warn", "--max-cron-threads=0"
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "ERROR" not in proc.stderr, proc.stderr[-4000:]
    yield db
    odoo.sql_db.close_db(db)


def test_install_without_demo(nodemo_db):
    state = _query(nodemo_db, f"SELECT state, demo FROM ir_module_module WHERE name = '{MODULE}'")
    assert state == [("installed", False)]
    demo_customers = _query(
        nodemo_db,
        f"SELECT count(*) FROM ir_model_data WHERE module = '{MODULE}' AND name LIKE 'customer_%_demo'",
    )
    assert demo_customers == [(0,)]
    menu = _query(
        nodemo_db,
        f"SELECT count(*) FROM ir_model_data WHERE module = '{MODULE}' AND name = 'menu_customer_ledger_root'",
    )
    assert menu == [(1,)]


def test_uninstall_removes_everything(nodemo_db):
    # A dimension an administrator added has a custom field on the partner,
    # which goes too.
    proc = _odoo(
        "shell",
        "-d",
        nodemo_db,
        "--no-http",
        "--log-level=warn",
        stdin="env['customer.class.dimension'].create({'name': 'Channel', 'code': 'channel'})\nenv.cr.commit()\n",
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    added = _query(
        nodemo_db,
        "SELECT partner_field FROM customer_class_dimension d JOIN information_schema.columns c "
        "ON c.table_name = 'res_partner' AND c.column_name = d.partner_field WHERE d.code = 'channel'",
    )
    assert len(added) == 1 and added[0][0].startswith("x_customer_class_")
    _uninstall(nodemo_db)
    _assert_gone(nodemo_db)


@pytest.fixture(scope="module")
def demo_copy_db():
    """A copy of the suite's own database, which holds the demo ledger."""
    if not os.environ.get("LEDGER_ODOO_CMD") or not os.environ.get("LEDGER_NODEMO_DB"):
        pytest.skip("needs the README's test command (LEDGER_ODOO_CMD, LEDGER_NODEMO_DB)")
    source = odoo.tools.config["db_name"]
    copy = f"{os.environ['LEDGER_NODEMO_DB']}_demo_copy"
    odoo.sql_db.close_db(source)
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(copy), SQL.identifier(source)))
    yield copy
    odoo.sql_db.close_db(copy)
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(copy)))


def _execute(db, sql, params=None):
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute(sql, params)


def test_upgrade_keeps_the_reasons_written_before(demo_copy_db):
    """Reasons written before 18.0.1.0.4, and credit log notes before
    18.0.1.0.9, were plain text in their writer's language; after the
    upgrade they read as written, in every language, and an English reason
    is worded in Chinese too once the update has loaded the Chinese terms."""
    db = demo_copy_db
    # The reasons as 18.0.1.0.3 stored them, one written in Chinese.
    for table in ("customer_class_assignment", "customer_class_history"):
        _execute(db, f"ALTER TABLE {table} ALTER COLUMN reason TYPE varchar USING reason->>'en_US'")
    ((line_id, english),) = _query(
        db, "SELECT id, reason FROM customer_class_history WHERE reason IS NOT NULL ORDER BY id LIMIT 1"
    )
    (chinese_id,) = _query(db, "SELECT max(id) FROM customer_class_history")[0]
    # The credit log's notes were plain text before 18.0.1.0.9 too.
    _execute(db, "ALTER TABLE customer_credit_log ALTER COLUMN note TYPE text USING note->>'en_US'")
    ((log_id, note),) = _query(
        db, "SELECT id, note FROM customer_credit_log WHERE note IS NOT NULL ORDER BY id LIMIT 1"
    )
    _execute(
        db,
        "UPDATE customer_class_history SET reason = %s WHERE id = %s",
        ["由 张三 于 2026-01-05 设置，已锁定", chinese_id],
    )
    _execute(db, "UPDATE ir_module_module SET latest_version = '18.0.1.0.3' WHERE name = %s", [MODULE])
    proc = _odoo("-d", db, "-u", MODULE, "--stop-after-init", "--log-level=warn", "--max-cron-threads=0")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "ERROR" not in proc.stderr, proc.stderr[-4000:]
    odoo.sql_db.close_db(db)
    script = (
        "env['res.lang']._activate_lang('zh_CN')\n"
        "History = env['customer.class.history']\n"
        f"for line_id in ({line_id}, {chinese_id}):\n"
        "    for lang in ('en_US', 'zh_CN'):\n"
        "        print('REASON', line_id, lang, History.with_context(lang=lang).browse(line_id).reason)\n"
        "for lang in ('en_US', 'zh_CN'):\n"
        f"    print('NOTE', lang, env['customer.credit.log'].with_context(lang=lang).browse({log_id}).note)\n"
    )
    proc = _odoo("shell", "-d", db, "--no-http", "--log-level=warn", stdin=script)
    assert proc.returncode == 0, proc.stderr[-4000:]
    read = [line.split(" ", 3)[1:] for line in proc.stdout.splitlines() if line.startswith("REASON ")]
    chinese = read[1][2]
    assert re.match("(匹配规则|无规则匹配|由 )", chinese), chinese
    assert read == [
        [str(line_id), "en_US", english],
        [str(line_id), "zh_CN", chinese],
        [str(chinese_id), "en_US", "由 张三 于 2026-01-05 设置，已锁定"],
        [str(chinese_id), "zh_CN", "由 张三 于 2026-01-05 设置，已锁定"],
    ]
    assert [line.split(" ", 2)[1:] for line in proc.stdout.splitlines() if line.startswith("NOTE ")] == [
        ["en_US", note],
        ["zh_CN", note],
    ]
    odoo.sql_db.close_db(db)


def test_uninstall_with_demo_keeps_accounting(demo_copy_db):
    """Uninstalling never deletes customers or their accounting documents."""
    before = _query(
        demo_copy_db,
        "SELECT count(*), COALESCE(SUM(amount_total_signed), 0) FROM account_move WHERE state = 'posted'",
    )
    assert before[0][0] > 1000
    _uninstall(demo_copy_db)
    _assert_gone(demo_copy_db)
    after = _query(
        demo_copy_db,
        "SELECT count(*), COALESCE(SUM(amount_total_signed), 0) FROM account_move WHERE state = 'posted'",
    )
    assert after == before
