"""Claim photos for the web pages: the stored file, or a copy turned to line up with another."""

import io

from django.http import FileResponse, Http404, HttpResponse
from PIL import Image

from claims.models import ClaimPhoto

T = Image.Transpose
# Fraud names the turn that lines a new photo up with an earlier one: a mirror first, then
# quarter turns counterclockwise (PIL's ROTATE_90). Turned on the server, the picture's box is
# the turned picture's, so the page keeps its layout whatever the turn.
TURNS: dict[str, tuple[T, ...]] = {
    "identity": (),
    "rot90": (T.ROTATE_90,),
    "rot180": (T.ROTATE_180,),
    "rot270": (T.ROTATE_270,),
    "mirror": (T.FLIP_LEFT_RIGHT,),
    "mirror_rot90": (T.FLIP_LEFT_RIGHT, T.ROTATE_90),
    "mirror_rot180": (T.FLIP_LEFT_RIGHT, T.ROTATE_180),
    "mirror_rot270": (T.FLIP_LEFT_RIGHT, T.ROTATE_270),
}


def photo_response(photo: ClaimPhoto | None, *, turn: str = "identity") -> HttpResponse:
    """The photo's bytes (private to the viewer, cached an hour); 404 if it or the turn is
    unknown or the file is gone."""
    if photo is None or turn not in TURNS:
        raise Http404
    try:
        file = photo.image.open("rb")
    except OSError:
        raise Http404 from None
    if TURNS[turn]:
        with file, Image.open(file) as image:
            for step in TURNS[turn]:
                image = image.transpose(step)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=90)
        response = HttpResponse(buffer.getvalue(), content_type="image/jpeg")
    else:
        response = FileResponse(file, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
