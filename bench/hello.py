"""The framework floor: a bare Litestar hello-world (one route returning a string).

Served by `uvicorn bench.hello:app --no-access-log`, one worker, next to the app in the same
run: every HTTP figure of the app is read as a fraction of this one."""

from litestar import Litestar, get


@get("/", media_type="text/plain")
async def hello() -> str:
    return "Hello, world!"


app = Litestar(route_handlers=[hello])
