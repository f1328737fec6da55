"""helpcenter views (filled in by the helpcenter work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
