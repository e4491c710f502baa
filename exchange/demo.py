"""`exchange demo`: a believable lieu with six months of history, written through the items actions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from exchange.auth import queries as auth_queries
from exchange.auth.service import Actor, add_member
from exchange.items import actions, idempotency, intake, schemas
from exchange.items.listing import ItemFilters, count_items, list_items
from exchange.ledger.rules import Conflict, Invalid, Role
from exchange.lieu import queries as lieu_queries
from exchange.lieu.lieux import first_lieu_id

DEMO_PASSWORD = "exchange-demo"
WORKSHOPS = [("bois", "Atelier bois"), ("metal", "Atelier métal"), ("verre", "Atelier verre et plastiques")]
PEOPLE = [
    ("coordination@demo.exchange", "Claire Martin", Role.coordinator),
    ("atelier-bois@demo.exchange", "Karim Benali", Role.steward),
    ("atelier-metal@demo.exchange", "Sophie Lefèvre", Role.steward),
    ("lea@demo.exchange", "Léa Dubois", Role.member),
    ("noe@demo.exchange", "Noé Garnier", Role.member),
]
# (category, workshop, titles, length range, width range, thicknesses)
MATERIALS = [
    (
        "plywood",
        "bois",
        ["Chute de contreplaqué bouleau", "Contreplaqué peuplier", "Panneau CP okoumé"],
        (300, 2440),
        (200, 1220),
        [5, 10, 15, 18, 21],
    ),
    (
        "softwood",
        "bois",
        ["Tasseau sapin", "Planche de pin", "Chevron douglas"],
        (400, 3000),
        (27, 220),
        [18, 22, 27, 45],
    ),
    (
        "hardwood",
        "bois",
        ["Planche de chêne", "Chute de hêtre", "Frêne raboté"],
        (300, 2000),
        (60, 250),
        [18, 22, 27, 40],
    ),
    ("mdf", "bois", ["Chute de MDF", "Panneau MDF brut"], (300, 2440), (200, 1220), [6, 10, 16, 19]),
    ("osb", "bois", ["Dalle OSB", "Chute d'OSB 3"], (400, 2500), (300, 1250), [12, 18, 22]),
    ("steel", "metal", ["Tube acier carré", "Tôle acier", "Cornière acier"], (200, 3000), (20, 1000), [1, 2, 3, 5]),
    ("aluminium", "metal", ["Profilé aluminium", "Tôle alu"], (200, 2000), (20, 600), [1, 2, 3]),
    ("glass", "verre", ["Vitre récupérée", "Verre float"], (300, 1200), (200, 900), [4, 6, 8]),
    ("acrylic", "verre", ["Plaque de plexiglas", "Chute PMMA"], (150, 1000), (100, 600), [3, 4, 5, 8]),
]
PROJECTS = ["Étagère du café", "Bancs du jardin", "Jeu pour l'école", "Cadre vélo", "Table de l'atelier", "Nichoirs"]
CHANNELS = ["benne bois recyclage", "ferrailleur", "déchetterie", "point verre"]


async def fill_demo(seed: int = 2026, items: int = 320, months: int = 6) -> str | None:
    """Fill an empty database; returns a summary, or None when items already exist."""
    if await count_items(ItemFilters(status="any")) > 0:
        return None
    rng = random.Random(seed)
    lieu = await first_lieu_id()
    for slug, name in WORKSHOPS:
        if not await lieu_queries.workshop_exists(slug):
            await lieu_queries.insert_workshop(slug, name, lieu)
    actors: dict[Role, list[Actor]] = {role: [] for role in Role}
    for email, name, role in PEOPLE:
        existing = await auth_queries.member_by_email(email)
        member_id = existing["id"] if existing else await add_member(email, name, role, DEMO_PASSWORD)
        actors[role].append(Actor(id=member_id, name=name, email=email, role=role))
    stewards = actors[Role.steward] + actors[Role.coordinator]
    members = actors[Role.member]

    now = datetime.now(UTC)
    start = now - timedelta(days=30 * months)
    events = 0

    async def run(actor: Actor, work) -> object:
        nonlocal events
        answer = await idempotency.run_action(actor, None, 200, work)
        events += 1
        return answer

    for _ in range(items):
        category, workshop, titles, lengths, widths, thicknesses = rng.choice(MATERIALS)
        steward = rng.choice(stewards)
        when = start + timedelta(seconds=rng.uniform(0, (now - start).total_seconds() - 3600))
        body = schemas.ItemCreate(
            category=category,
            workshop=workshop,
            title=rng.choice(titles),
            length_mm=rng.randint(*lengths),
            width_mm=rng.randint(*widths),
            thickness_mm=rng.choice(thicknesses),
            mass_kg=round(rng.uniform(0.5, 12), 2) if rng.random() < 0.2 else None,
            condition=rng.choice(["bon", "bon", "rayé", "à poncer"]),
            origin=rng.choice(["", "menuiserie voisine", "chantier"]),
            occurred_at=when,
        )
        answer = await run(steward, lambda: intake.intake(steward, body))
        code = __import__("json").loads(answer.body)["code"]
        # What happens next, in order, each a little later, never past now.
        story = rng.choices(
            ["stay", "use", "reserve-use", "recycle", "discard", "split", "move"], [30, 28, 12, 8, 4, 10, 8]
        )[0]
        later = lambda: min(when + timedelta(days=rng.uniform(0.5, 40)), now - timedelta(minutes=30))  # noqa: E731
        try:
            if story == "use":
                await run(
                    steward,
                    lambda: actions.use(
                        steward, code, schemas.UseIn(project=rng.choice(PROJECTS), occurred_at=later())
                    ),
                )
            elif story == "reserve-use":
                at = later()
                await run(steward, lambda: actions.reserve(steward, code, schemas.ReserveIn(occurred_at=at, hours=24)))
                await run(
                    steward,
                    lambda: actions.use(
                        steward, code, schemas.UseIn(project=rng.choice(PROJECTS), occurred_at=at + timedelta(hours=2))
                    ),
                )
            elif story in ("recycle", "discard"):
                body_cls = schemas.RecycleIn if story == "recycle" else schemas.DiscardIn
                extra = {"channel": rng.choice(CHANNELS)} if story == "recycle" else {}
                action = actions.recycle if story == "recycle" else actions.discard
                await run(steward, lambda: action(steward, code, body_cls(occurred_at=later(), **extra)))
            elif story == "split":
                half = max(1, body.length_mm // 2 - 5)
                pieces = [schemas.PieceIn(length_mm=half, width_mm=body.width_mm, thickness_mm=body.thickness_mm)] * 2
                await run(
                    steward, lambda: actions.split(steward, code, schemas.SplitIn(pieces=pieces, occurred_at=later()))
                )
            elif story == "move":
                target = rng.choice([w for w, _ in WORKSHOPS if w != workshop])
                await run(
                    steward, lambda: actions.move(steward, code, schemas.MoveIn(workshop=target, occurred_at=later()))
                )
        except (Conflict, Invalid):
            continue  # an unlucky draw (e.g. a cut finer than allowed): the item simply stays
    # A few current reservations by members, made just now.
    available = (await list_items(ItemFilters(limit=6), None)).items
    for item, member in zip(available, members * 3):
        await run(member, lambda: actions.reserve(member, item.code, schemas.ReserveIn()))
    return (
        f"Demo lieu ready: {len(WORKSHOPS)} workshops, {await count_items(ItemFilters(status='any'))} items, {events} actions over {months} months.\n"
        f"Log in with any of: {', '.join(email for email, _, _ in PEOPLE)} (password: {DEMO_PASSWORD})."
    )
