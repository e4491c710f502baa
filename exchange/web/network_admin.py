"""For the network coordinator: the lieux of the network, adding one, appointing its coordinator."""

from __future__ import annotations

from litestar import Request, Response, get, post

from exchange.auth import queries as auth_queries
from exchange.ledger.rules import Invalid, LedgerError, Role
from exchange.lieu import lieux
from exchange.lieu import schemas as lieu_schemas
from exchange.messages import _
from exchange.web.render import error_message, message, page, redirect

_FIELDS = ("slug", "name", "city", "latitude", "longitude", "time_zone", "language")


def _number(text: str, field: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise Invalid(_("A position is written in decimal degrees, e.g. 45.76."), field=field) from None


async def _page(request: Request, values: dict, status_code: int = 200, messages=()) -> Response:
    return page(
        request,
        "admin/network.html",
        status_code=status_code,
        lieux=await lieux.list_lieux(),
        values=values,
        messages=list(messages),
    )


@get("/admin/network", name="admin-network")
async def network(request: Request) -> Response:
    return await _page(request, {"time_zone": "Europe/Paris"})


@post("/admin/network/lieux", name="admin-network-add-lieu")
async def add_lieu(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:120] for k in _FIELDS}
    try:
        if not values["slug"] or not values["name"]:
            raise LedgerError(_("A lieu needs a slug and a name."))
        await lieux.add_lieu(
            lieu_schemas.LieuCreate(
                slug=values["slug"][:60],
                name=values["name"],
                city=values["city"],
                latitude=_number(values["latitude"], "latitude"),
                longitude=_number(values["longitude"], "longitude"),
                time_zone=values["time_zone"][:64] or "Europe/Paris",
                shares_with_network=form.get("shares_with_network") == "on",
                language="en" if form.get("language") == "en" else "fr",
            )
        )
    except LedgerError as error:
        return await _page(request, values, 422, [error_message(error)])
    return redirect("/admin/network", message("ok", _("Lieu %(name)s added.", name=values["name"])))


@post("/admin/network/coordinators", name="admin-network-appoint")
async def appoint(request: Request) -> Response:
    """Make an existing member the coordinator of a lieu (they keep their other roles)."""
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:254]
    slug = str(form.get("lieu") or "").strip()[:60]
    try:
        member = await auth_queries.member_by_email(email)
        if member is None:
            raise Invalid(_("No member has the e-mail '%(email)s': add them first.", email=email), field="email")
        await lieux.join_lieu(member["id"], await lieux.lieu_id(slug or None), Role.coordinator)
    except LedgerError as error:
        return await _page(request, {"time_zone": "Europe/Paris"}, 422, [error_message(error)])
    return redirect(
        "/admin/network", message("ok", _("%(name)s now coordinates %(lieu)s.", name=member["name"], lieu=slug))
    )


ROUTES = [network, add_lieu, appoint]
