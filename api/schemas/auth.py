"""Token endpoint and discovery documents."""

from __future__ import annotations

from pydantic import BaseModel


class TokenPublic(BaseModel):
    """RFC 6749 section 5.1 access token response."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthErrorPublic(BaseModel):
    """RFC 6749 section 5.2 error response."""

    error: str
    error_description: str | None = None
