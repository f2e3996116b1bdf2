"""Rulebooks: the presets shipped with tanshi, and the exact text a jurisdiction runs on."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from pydantic import BaseModel

from tanshi.api.context import Reader, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.resources import load_rulebook, preset_ids
from tanshi.services import views

router = APIRouter(tags=["rulebooks"])


class RulebookOut(BaseModel):
    id: str
    name: str
    jurisdiction: str
    version: str


class RulebookText(RulebookOut):
    toml: str


@cache
def _preset(preset_id: str) -> dict[str, str]:
    rulebook, text = load_rulebook(preset_id)
    header = rulebook.rulebook
    return {"id": preset_id, "name": header.name, "jurisdiction": header.jurisdiction,
            "version": header.version, "toml": text}  # fmt: skip


@router.get("/rulebooks", response_model=list[RulebookOut])
def list_presets(_who: Reader) -> list[dict[str, str]]:
    """The rulebook presets shipped with tanshi."""
    return [_preset(preset_id) for preset_id in preset_ids()]


@router.get("/rulebooks/{preset_id}", response_model=RulebookText)
def get_preset(preset_id: str, _who: Reader) -> dict[str, str]:
    """One preset with its TOML text (every rule with its source and confidence)."""
    if preset_id not in preset_ids():  # only shipped presets: never a path on the server
        raise ApiError(404, "unknown_rulebook", f"no preset {preset_id}; see /v1/rulebooks",
                       "path.preset_id")  # fmt: skip
    return _preset(preset_id)


@router.get("/jurisdictions/{code}/rulebook", response_model=RulebookText)
def jurisdiction_rulebook(code: str, _who: Reader, svc: ServiceDep) -> dict[str, str]:
    """The exact rulebook text a jurisdiction runs on, as stored when it was opened."""
    found = views.rulebook_of(svc.engine, code)
    if found is None:
        raise ApiError(404, "unknown_jurisdiction", f"no jurisdiction {code}", "path.code")
    return found | {"name": svc.jurisdiction(code, "path.code").rulebook.rulebook.name}
