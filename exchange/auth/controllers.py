from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, post

from exchange.auth import service


class SessionCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


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
        address = request.client.host if request.client else "unknown"
        actor = await service.log_in(data.email, data.password, address)
        return SessionOut(token=await service.issue_token(actor), member=member_out(actor))

    @delete("/", summary="Log out: the token stops working")
    async def log_out(self, request: Request) -> None:
        await service.revoke_token(request.auth)
