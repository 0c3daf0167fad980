"""Deterministic plans of a customer ledger.

A plan says which customers exist, which invoices, credit notes and payments
they get and how payments are applied, with dates relative to an anchor date.
It is pure Python (no database): the demo data executes a plan through the
ORM, the large-ledger generator executes one with bulk SQL, and the tests
execute the same small plan both ways and compare the results.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

CUSTOMER_KINDS = ("retail", "wholesale", "distributor", "key_account")

# kind -> (share of customers, invoices per month, typical invoice amount)
KIND_PROFILE = {
    "retail": (0.42, 0.30, 800),
    "wholesale": (0.28, 0.55, 6000),
    "distributor": (0.20, 0.75, 18000),
    "key_account": (0.10, 1.10, 60000),
}

# behaviour -> (share of customers, payment delay range in days after due
# date, probability an invoice is paid in two instalments, probability an
# invoice is left unpaid)
BEHAVIOUR_PROFILE = {
    "prompt": (0.45, (-10, 3), 0.05, 0.00),
    "late": (0.30, (5, 45), 0.10, 0.03),
    "slow": (0.15, (30, 120), 0.20, 0.15),
    "defaulting": (0.10, (60, 200), 0.25, 0.45),
}

PAYMENT_TERMS_DAYS = (0, 15, 30, 45, 60)

# Days overdue on the anchor date that the demo guarantees to hold open
# items in, one per aging bucket (current, 1-30, 31-60, 61-90, 91-120, >120).
OVERDUE_SHOWCASE_DAYS = (-20, 0, 12, 45, 75, 105, 190, 400)

CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
CN_GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
)
CN_CITIES = ("上海", "北京", "广州", "深圳", "杭州", "苏州", "成都", "武汉", "南京", "天津")
CN_TRADES = ("贸易", "电子", "机械", "食品", "医药", "建材", "物流", "纺织", "化工", "科技")
CN_SUFFIXES = ("有限公司", "股份有限公司", "商贸有限公司", "实业有限公司")
LATIN_FIRST = (
    "Anna",
    "Lukas",
    "Marie",
    "Paul",
    "Sofia",
    "Jonas",
    "Emma",
    "Louis",
    "Clara",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Ethan",
    "Mia",
    "Lucas",
)
LATIN_LAST = (
    "Müller",
    "Schmidt",
    "Martin",
    "Bernard",
    "Dubois",
    "Smith",
    "Johnson",
    "Brown",
    "Wagner",
    "Lefebvre",
    "Tan",
    "Lim",
    "Wong",
    "Garcia",
    "Rossi",
)
LATIN_WORDS = (
    "Alpine",
    "Harbor",
    "Summit",
    "Cedar",
    "Northwind",
    "Bluewater",
    "Silverline",
    "Greenfield",
    "Redstone",
    "Brightway",
    "Oakridge",
    "Pioneer",
    "Lakeside",
    "Evergreen",
    "Ironbridge",
    "Sunrise",
)
LATIN_TRADES = (
    "Trading",
    "Foods",
    "Electronics",
    "Logistics",
    "Retail",
    "Supply",
    "Industries",
    "Pharma",
    "Textiles",
    "Components",
)
LATIN_SUFFIXES = ("GmbH", "SARL", "Ltd", "Inc.", "Pte. Ltd.", "B.V.", "LLC")

# country code -> (weight, chinese names, invoicing currency, states)
COUNTRIES = {
    "CN": (0.50, True, "CNY", ("SH", "BJ", "GD", "ZJ", "JS", "SC", "HB")),
    "HK": (0.07, True, "HKD", ()),
    "SG": (0.06, False, "SGD", ()),
    "US": (0.12, False, "USD", ("CA", "NY", "TX", "WA")),
    "DE": (0.10, False, "EUR", ()),
    "FR": (0.08, False, "EUR", ()),
    "JP": (0.07, False, "JPY", ()),
}


@dataclass
class PlannedCustomer:
    key: int
    name: str
    is_company: bool
    kind: str
    behaviour: str
    country: str
    state: str
    currency: str
    lang: str
    salesperson: int
    industry: int
    employees: int
    dormant: bool = False


@dataclass
class PlannedDocument:
    """An invoice (``refund`` False) or a credit note against ``origin``."""

    key: int
    customer: int
    date: object
    due_date: object
    amount: float
    currency: str
    refund: bool = False
    origin: int = None
    draft: bool = False


@dataclass
class PlannedPayment:
    """A customer payment; ``allocations`` lists (document key, amount) in
    the payment's currency. An empty list is an unapplied payment."""

    key: int
    customer: int
    date: object
    amount: float
    currency: str
    allocations: list = field(default_factory=list)


@dataclass
class LedgerPlan:
    anchor: object
    customers: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    payments: list = field(default_factory=list)


def _weighted(rng, table):
    keys = list(table)
    weights = [table[k][0] for k in keys]
    return rng.choices(keys, weights=weights)[0]


def _customer_name(rng, chinese, is_company):
    if chinese:
        if is_company:
            return (
                rng.choice(CN_CITIES)
                + rng.choice(CN_SURNAMES)
                + rng.choice(("氏", "达", "华", "盛", "信"))
                + rng.choice(CN_TRADES)
                + rng.choice(CN_SUFFIXES)
            )
        return rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
    if is_company:
        return f"{rng.choice(LATIN_WORDS)} {rng.choice(LATIN_TRADES)} {rng.choice(LATIN_SUFFIXES)}"
    return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"


def _round(amount, digits):
    return round(amount, digits)


def build_demo_plan(anchor, customers=200, months=24, seed=2024, salespeople=4, industries=6, digits=None):
    """Plan a lively ledger ending on ``anchor`` (usually today).

    ``digits`` maps a currency code to its decimal places (JPY has none);
    unknown currencies get two.
    """
    rng = random.Random(seed)
    digits = digits or {}
    plan = LedgerPlan(anchor=anchor)
    used_names = set()
    for key in range(customers):
        kind = _weighted(rng, KIND_PROFILE)
        country = _weighted(rng, COUNTRIES)
        _weight, chinese, currency, states = COUNTRIES[country]
        is_company = kind != "retail" or rng.random() < 0.3
        name = _customer_name(rng, chinese, is_company)
        while name in used_names:
            name = _customer_name(rng, chinese, is_company)
        used_names.add(name)
        employees = (
            {
                "retail": rng.randint(0, 20),
                "wholesale": rng.randint(10, 300),
                "distributor": rng.randint(50, 1000),
                "key_account": rng.randint(300, 20000),
            }[kind]
            if is_company
            else 0
        )
        plan.customers.append(
            PlannedCustomer(
                key=key,
                name=name,
                is_company=is_company,
                kind=kind,
                behaviour=_weighted(rng, BEHAVIOUR_PROFILE),
                country=country,
                state=rng.choice(states) if states else "",
                currency=currency,
                lang="zh_CN" if chinese else "en_US",
                salesperson=rng.randrange(salespeople),
                industry=rng.randrange(industries),
                employees=employees,
                dormant=rng.random() < 0.07,
            )
        )

    doc_key = 0
    pay_key = 0
    first_day = anchor - timedelta(days=int(months * 30.4))
    span = (anchor - first_day).days
    for customer in plan.customers:
        _share, per_month, typical = KIND_PROFILE[customer.kind]
        _share, delay, split_p, unpaid_p = BEHAVIOUR_PROFILE[customer.behaviour]
        cur_digits = digits.get(customer.currency, 2)
        count = max(1, int(rng.gauss(per_month * months, per_month * months * 0.25)))
        last_day = span - 380 if customer.dormant else span
        days = sorted(rng.randrange(0, max(last_day, 1)) for _ in range(count))
        for offset in days:
            date = first_day + timedelta(days=offset)
            term = rng.choice(PAYMENT_TERMS_DAYS)
            amount = _round(max(typical * rng.lognormvariate(0, 0.6), 10), cur_digits)
            invoice = PlannedDocument(
                key=doc_key,
                customer=customer.key,
                date=date,
                due_date=date + timedelta(days=term),
                amount=amount,
                currency=customer.currency,
            )
            plan.documents.append(invoice)
            doc_key += 1
            remaining = amount
            if rng.random() < 0.05:
                credit = _round(amount * rng.uniform(0.1, 0.5), cur_digits)
                credit_date = min(date + timedelta(days=rng.randint(3, 20)), anchor)
                plan.documents.append(
                    PlannedDocument(
                        key=doc_key,
                        customer=customer.key,
                        date=credit_date,
                        due_date=credit_date,
                        amount=credit,
                        currency=customer.currency,
                        refund=True,
                        origin=invoice.key,
                    )
                )
                doc_key += 1
                remaining = _round(remaining - credit, cur_digits)
            # Dormant customers settled everything before going quiet.
            if not customer.dormant and rng.random() < unpaid_p:
                continue
            # Dormant customers paid everything more than a year ago.
            last_pay_day = anchor - timedelta(days=366) if customer.dormant else anchor
            pay_date = max(min(invoice.due_date + timedelta(days=rng.randint(*delay)), last_pay_day), date)
            if pay_date > anchor:
                continue
            if rng.random() < split_p:
                first = _round(remaining * rng.uniform(0.3, 0.7), cur_digits)
                plan.payments.append(
                    PlannedPayment(
                        key=pay_key,
                        customer=customer.key,
                        date=pay_date,
                        amount=first,
                        currency=customer.currency,
                        allocations=[(invoice.key, first)],
                    )
                )
                pay_key += 1
                remaining = _round(remaining - first, cur_digits)
                pay_date = max(min(pay_date + timedelta(days=rng.randint(10, 60)), last_pay_day), date)
                if pay_date > anchor or (not customer.dormant and rng.random() < 0.3):
                    continue  # partially paid and still open
            plan.payments.append(
                PlannedPayment(
                    key=pay_key,
                    customer=customer.key,
                    date=pay_date,
                    amount=remaining,
                    currency=customer.currency,
                    allocations=[(invoice.key, remaining)],
                )
            )
            pay_key += 1

    pay_key = _merge_payments(rng, plan, pay_key)
    doc_key = _add_showcase_items(rng, plan, doc_key, digits)
    _add_unapplied_and_drafts(rng, plan, pay_key, doc_key, digits)
    return plan


def _merge_payments(rng, plan, pay_key):
    """Distributors and key accounts often settle several invoices with one
    transfer: merge some same-day-ish single payments into one."""
    kinds = {c.key: c.kind for c in plan.customers}
    # Only a payment that settles its invoice on its own may join others:
    # Odoo spreads a payment over invoices oldest first, so a grouped
    # instalment would settle the wrong invoice.
    payments_per_doc = {}
    for payment in plan.payments:
        for doc_key, _amount in payment.allocations:
            payments_per_doc[doc_key] = payments_per_doc.get(doc_key, 0) + 1
    merged = []
    by_customer = {}
    for payment in plan.payments:
        if payments_per_doc[payment.allocations[0][0]] > 1:
            merged.append(payment)
            continue
        by_customer.setdefault(payment.customer, []).append(payment)
    for customer_key, payments in by_customer.items():
        if kinds[customer_key] not in ("distributor", "key_account"):
            merged.extend(payments)
            continue
        payments.sort(key=lambda p: p.date)
        batch = []
        for payment in payments:
            if batch and (payment.date - batch[0].date).days <= 20 and len(batch) < 4 and rng.random() < 0.6:
                batch.append(payment)
                continue
            if batch:
                merged.append(_combine(batch))
            batch = [payment]
        if batch:
            merged.append(_combine(batch))
    merged.sort(key=lambda p: (p.date, p.customer, p.key))
    for index, payment in enumerate(merged):
        payment.key = index
    plan.payments = merged
    return len(merged)


def _combine(batch):
    if len(batch) == 1:
        return batch[0]
    last = max(batch, key=lambda p: p.date)
    return PlannedPayment(
        key=batch[0].key,
        customer=batch[0].customer,
        date=last.date,
        amount=round(sum(p.amount for p in batch), 6),
        currency=batch[0].currency,
        allocations=[alloc for p in batch for alloc in p.allocations],
    )


def _add_showcase_items(rng, plan, doc_key, digits):
    """Guarantee open items in every aging bucket on the anchor date."""
    active = [c for c in plan.customers if not c.dormant]
    for days_overdue in OVERDUE_SHOWCASE_DAYS:
        for customer in rng.sample(active, 3):
            term = rng.choice(PAYMENT_TERMS_DAYS)
            due = plan.anchor - timedelta(days=days_overdue)
            date = min(due - timedelta(days=term), plan.anchor)
            _share, _per_month, typical = KIND_PROFILE[customer.kind]
            plan.documents.append(
                PlannedDocument(
                    key=doc_key,
                    customer=customer.key,
                    date=date,
                    due_date=max(due, date),
                    amount=_round(typical * rng.uniform(0.5, 1.5), digits.get(customer.currency, 2)),
                    currency=customer.currency,
                )
            )
            doc_key += 1
    return doc_key


def _add_unapplied_and_drafts(rng, plan, pay_key, doc_key, digits):
    active = [c for c in plan.customers if not c.dormant]
    for customer in rng.sample(active, min(8, len(active))):
        _share, _per_month, typical = KIND_PROFILE[customer.kind]
        plan.payments.append(
            PlannedPayment(
                key=pay_key,
                customer=customer.key,
                date=plan.anchor - timedelta(days=rng.randint(1, 40)),
                amount=_round(typical * rng.uniform(0.2, 0.6), digits.get(customer.currency, 2)),
                currency=customer.currency,
            )
        )
        pay_key += 1
    for customer in rng.sample(active, min(10, len(active))):
        _share, _per_month, typical = KIND_PROFILE[customer.kind]
        plan.documents.append(
            PlannedDocument(
                key=doc_key,
                customer=customer.key,
                date=plan.anchor,
                due_date=plan.anchor + timedelta(days=30),
                amount=_round(typical * rng.uniform(0.5, 1.5), digits.get(customer.currency, 2)),
                currency=customer.currency,
                draft=True,
            )
        )
        doc_key += 1


def build_bulk_plan(anchor, customers, invoices, seed=42, foreign_share=0.1, months=24, open_share=None):
    """A large, plain plan for benchmarks: ``invoices`` invoices spread over
    ``customers`` customers, company currency (``"company"``) or one foreign
    currency (``"foreign"``), fully paid, paid in two parts, partially paid or
    open. No credit notes, no merged payments: each payment pays one invoice.
    With ``open_share``, that share of the invoices stays open (a third of
    them partially paid) and the rest is paid in full.
    """
    rng = random.Random(seed)
    plan = LedgerPlan(anchor=anchor)
    for key in range(customers):
        plan.customers.append(
            PlannedCustomer(
                key=key,
                name=f"Customer {key:07d}",
                is_company=True,
                kind=CUSTOMER_KINDS[key % 4],
                behaviour="late",
                country="",
                state="",
                currency="foreign" if rng.random() < foreign_share else "company",
                lang="en_US",
                salesperson=0,
                industry=0,
                employees=0,
            )
        )
    span = int(months * 30.4)
    pay_key = 0
    for key in range(invoices):
        customer = plan.customers[rng.randrange(customers)] if key >= customers else plan.customers[key]
        date = anchor - timedelta(days=rng.randrange(span))
        due = date + timedelta(days=rng.choice(PAYMENT_TERMS_DAYS))
        amount = round(rng.uniform(10, 20000), 2)
        plan.documents.append(
            PlannedDocument(
                key=key,
                customer=customer.key,
                date=date,
                due_date=due,
                amount=amount,
                currency=customer.currency,
            )
        )
        roll = rng.random()
        pay_date = min(due + timedelta(days=rng.randint(-10, 60)), anchor)
        pay_date = max(pay_date, date)
        if open_share is not None:
            if roll >= open_share:
                parts = [amount]
            elif roll < open_share / 3 and customer.currency == "company":
                parts = [round(amount * rng.uniform(0.2, 0.8), 2)]
            else:
                parts = []
        elif customer.currency == "foreign":
            # Foreign-currency invoices are paid in full at once or stay open,
            # so that no exchange difference arises at a single rate.
            parts = [amount] if roll < 0.8 else []
        elif roll < 0.55:
            parts = [amount]
        elif roll < 0.70:
            first = round(amount * rng.uniform(0.2, 0.8), 2)
            parts = [first, round(amount - first, 2)]
        elif roll < 0.85:
            parts = [round(amount * rng.uniform(0.2, 0.8), 2)]
        else:
            parts = []
        for index, part in enumerate(parts):
            plan.payments.append(
                PlannedPayment(
                    key=pay_key,
                    customer=customer.key,
                    date=min(pay_date + timedelta(days=15 * index), anchor),
                    amount=part,
                    currency=customer.currency,
                    allocations=[(key, part)],
                )
            )
            pay_key += 1
    return plan
