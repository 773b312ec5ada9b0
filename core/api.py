from django.http import HttpRequest
from ninja import Router, Status

from core import tokens
from core.schemas import ApiTokenCreatedOut, ApiTokenIn, ApiTokenOut, MeOut

router = Router(tags=["me"])


@router.get("", response=MeOut)
def me(request: HttpRequest):
    return MeOut.from_user(request.user)


@router.get("/tokens", response=list[ApiTokenOut])
def token_list(request: HttpRequest):
    return request.user.api_tokens.all()


@router.post("/tokens", response={201: ApiTokenCreatedOut})
def token_create(request: HttpRequest, payload: ApiTokenIn):
    token, key = tokens.api_token_create(user=request.user, name=payload.name)
    return Status(
        201,
        ApiTokenCreatedOut(
            id=token.id, name=token.name, hint=token.hint, created_at=token.created_at, key=key
        ),
    )


@router.delete("/tokens/{token_id}", response=ApiTokenOut)
def token_revoke(request: HttpRequest, token_id: int):
    return tokens.api_token_revoke(user=request.user, token_id=token_id)
