from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, post
from litestar.exceptions import NotAuthorizedException

from exchange.auth import service
from exchange.auth.guards import member_only


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: str = msgspec.field()
    password: str = msgspec.field()


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
    async def log_in(self, data: SessionCreate) -> SessionOut:
        actor = await service.check_password(data.email, data.password)
        if actor is None:
            raise NotAuthorizedException("Unknown e-mail or wrong password.")
        return SessionOut(token=await service.issue_token(actor), member=member_out(actor))

    @delete("/", guards=[member_only], summary="Log out: the token stops working")
    async def log_out(self, request: Request) -> None:
        await service.revoke_token(request.auth)
