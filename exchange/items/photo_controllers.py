"""POST /api/v1/items/{code}/photos: a steward's photo of an item (multipart, field `file`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Request, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from exchange.auth.guards import actor_of
from exchange.items import photos, schemas

# The multipart envelope around a 10 MB photo; the photo itself is checked against 10 MB.
MAX_UPLOAD_BODY = photos.MAX_PHOTO_BYTES + 256 * 1024


@dataclass
class PhotoUpload:
    file: UploadFile


@post(
    "/api/v1/items/{code:str}/photos",
    status_code=201,
    tags=["items"],
    summary="Add a photo (JPEG, PNG or WebP; checked, stripped of metadata, resized)",
    request_max_body_size=MAX_UPLOAD_BODY,
)
async def add_photo(
    request: Request,
    code: str,
    data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> schemas.ItemOut:
    content = await data.file.read()
    return await photos.attach_photo(actor_of(request), code, content)


ROUTES = [add_photo]
