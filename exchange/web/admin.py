"""For the coordinator: the members (their passwords, throttled logins), the workshops and the
materials (with their factors' sources)."""

from __future__ import annotations

from litestar import Request, Response, get, post

from exchange.auth import administered, throttle
from exchange.auth import service as auth
from exchange.ledger.rules import LedgerError, Role
from exchange.lieu import schemas as lieu_schemas
from exchange.lieu import service as lieu
from exchange.messages import _
from exchange.web import queries
from exchange.web.render import error_message, lang_of, message, page, redirect


@get("/admin", name="admin")
async def admin_home() -> Response:
    return redirect("/admin/members", status_code=303)


async def _members_page(request: Request, status_code: int = 200, **context) -> Response:
    mine = await administered.administered(request.user)  # exchange.auth.administered
    return page(
        request,
        "admin/members.html",
        status_code=status_code,
        section="members",
        members=[row for row in await queries.member_rows() if mine is None or row["id"] in mine],
        throttled=administered.visible_throttles(mine, await throttle.throttled()),
        roles=[r.value for r in Role],
        **{"values": {"role": Role.member.value}, **context},
    )


@get("/admin/members", name="admin-members")
async def members(request: Request) -> Response:
    return await _members_page(request)


@post("/admin/members", name="admin-members-add")
async def add_member(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:254] for k in ("email", "name", "role")}
    password = str(form.get("password") or "")[:1024]
    try:
        if values["role"] not in {r.value for r in Role}:
            raise LedgerError(_("Unknown role '%(role)s'.", role=values["role"]))
        if not values["name"]:
            raise LedgerError(_("A member needs a name."))
        await auth.add_member(values["email"], values["name"][:120], Role(values["role"]), password)
    except LedgerError as error:
        return await _members_page(request, 422, values=values, messages=[error_message(error)])
    return redirect("/admin/members", message("ok", _("%(name)s can now log in.", name=values["name"])))


@post("/admin/members/{member_id:int}", name="admin-members-update")
async def update_member(request: Request, member_id: int) -> Response:
    form = await request.form()
    role = str(form.get("role") or "")
    try:
        if role not in {r.value for r in Role}:
            raise LedgerError(_("Unknown role '%(role)s'.", role=role))
        await auth.update_member(request.user, member_id, role=Role(role), active=form.get("active") == "on")
    except LedgerError as error:
        return redirect("/admin/members", error_message(error))
    return redirect("/admin/members", message("ok", _("Member updated.")))


@post("/admin/members/{member_id:int}/password", name="admin-members-password")
async def set_member_password(request: Request, member_id: int) -> Response:
    form = await request.form()
    try:
        await auth.reset_password(request.user, member_id, str(form.get("new_password") or "")[:1025])
    except LedgerError as error:
        return redirect("/admin/members", error_message(error))
    name = next((m["name"] for m in await queries.member_rows() if m["id"] == member_id), "")
    return redirect(
        "/admin/members", message("ok", _("New password set for %(name)s; their open sessions are closed.", name=name))
    )


@post("/admin/throttles/lift", name="admin-throttles-lift")
async def lift_throttle(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254] or None
    address = str(form.get("address") or "").strip()[:64] or None
    email = auth.normalize_email(email) if email else None
    if not await administered.may_lift(request.user, email):
        return redirect(
            "/admin/members",
            message("error", _("This account is not one of your lieu's: a network coordinator can lift it.")),
        )
    await throttle.lift(email, address)
    return redirect("/admin/members", message("ok", _("Throttle lifted.")))


@get("/admin/workshops", name="admin-workshops")
async def workshops(request: Request) -> Response:
    return page(request, "admin/workshops.html", section="workshops", workshops=await lieu.list_workshops(), values={})


@post("/admin/workshops", name="admin-workshops-add")
async def add_workshop(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("slug", "name")}
    try:
        if not values["slug"] or not values["name"] or len(values["slug"]) > 60 or len(values["name"]) > 120:
            raise LedgerError(_("A slug is lower-case letters, digits and single hyphens, e.g. bois-1."))
        await lieu.add_workshop(lieu_schemas.WorkshopCreate(slug=values["slug"], name=values["name"]), request.user)
    except LedgerError as error:
        return page(
            request,
            "admin/workshops.html",
            status_code=422,
            section="workshops",
            workshops=await lieu.list_workshops(),
            values=values,
            messages=[error_message(error)],
        )
    return redirect("/admin/workshops", message("ok", _("Workshop %(name)s added.", name=values["name"])))


@get("/admin/categories", name="admin-categories")
async def categories(request: Request) -> Response:
    lang = lang_of(request)
    rows = await lieu.list_categories()
    factor_set = await lieu.current_factor_set()
    rows.sort(key=lambda c: (c.name_fr if lang == "fr" else c.name).lower())
    return page(
        request,
        "admin/categories.html",
        section="categories",
        categories=rows,
        factor_set=factor_set["version"] if factor_set else "—",
    )


ROUTES = [
    admin_home,
    members,
    add_member,
    update_member,
    set_member_password,
    lift_throttle,
    workshops,
    add_workshop,
    categories,
]
