from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post

from exchange.auth import administered, service, throttle
from exchange.auth.client_address import client_address
from exchange.ledger.rules import Forbidden
from exchange.messages import _


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


# Longer than any password: the length rule itself (10 or more) answers with its own message.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    new_password: Password


class ThrottleOut(msgspec.Struct):
    email: str | None
    address: str
    tries: int
    until: datetime


class ThrottleLift(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    address: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class LiftedOut(msgspec.Struct):
    lifted: int


class MemberOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str


class SessionOut(msgspec.Struct):
    token: str
    member: MemberOut


def member_out(actor: service.Actor) -> MemberOut:
    return MemberOut(id=actor.id, email=actor.email, name=actor.name, role=actor.role.value)


class SessionController(Controller):
    path = "/api/v1/session"
    tags = ["session"]

    @post("/", status_code=200, summary="Log in: a Bearer token for the API")
    async def log_in(self, request: Request, data: SessionCreate) -> SessionOut:
        actor = await service.log_in(data.email, data.password, client_address(request))
        return SessionOut(token=await service.issue_token(actor), member=member_out(actor))

    @delete("/", summary="Log out: the token stops working")
    async def log_out(self, request: Request) -> None:
        await service.revoke_token(request.auth)


class AccountController(Controller):
    path = "/api/v1"
    tags = ["accounts"]

    @post("/account/password", status_code=204, summary="Change one's own password; one's other sessions end")
    async def change_password(self, request: Request, data: PasswordChange) -> None:
        await service.change_own_password(request.user, data.current_password, data.new_password, request.auth)

    @post(
        "/members/{member_id:int}/password",
        status_code=204,
        summary="A coordinator sets a member's new password; every session of that member ends",
    )
    async def reset_password(self, request: Request, member_id: int, data: PasswordReset) -> None:
        await service.reset_password(request.user, member_id, data.new_password)

    @get("/login-throttles", summary="Accounts (per address) and addresses refused for too many failed logins")
    async def list_throttles(self, request: Request) -> list[ThrottleOut]:
        mine = await administered.administered(request.user)
        shown = administered.visible_throttles(mine, await throttle.throttled())
        return [ThrottleOut(t.email, t.address, t.tries, t.until) for t in shown]

    @post("/login-throttles/lift", status_code=200, summary="Let an account (or an address) try again at once")
    async def lift_throttle(self, request: Request, data: ThrottleLift) -> LiftedOut:
        email = service.normalize_email(data.email) if data.email else None
        if email is None and not data.address:
            raise service.Invalid(_("name an email, an address, or both"), field="email")
        if not await administered.may_lift(request.user, email):
            raise Forbidden(_("This account is not one of your lieu's: a network coordinator can lift it."))
        return LiftedOut(lifted=await throttle.lift(email, data.address or None))
