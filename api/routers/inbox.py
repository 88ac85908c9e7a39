"""The inbox over HTTP: what people are asked, and their answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from core.errors import InvalidInput, NotFound
from db.models import InboxEntry
from services.inbox import InboxServices

router = APIRouter(prefix="/inbox", tags=["inbox"])


class InboxItemPublic(BaseModel):
    id: str
    project_id: str
    kind: str
    stage: str
    prompt: str
    context: str
    options: list[str]
    reminders: int

    @classmethod
    def of(cls, entry: InboxEntry) -> InboxItemPublic:
        return cls.model_validate(entry, from_attributes=True)


class AnswerIn(BaseModel):
    choice: Literal["", "approve", "reject", "retry", "instruct", "skip", "abort"] = ""
    text: str = Field(default="", max_length=20_000)
    user: str | None = None


class AnswerOut(BaseModel):
    item_id: str
    queued: bool
    message: str


@router.get("")
async def list_inbox(services: ServicesDep, project_id: str | None = None) -> list[InboxItemPublic]:
    items = await InboxServices(services).open_items(project_id=project_id)
    return [InboxItemPublic.of(i) for i in items]


@router.post("/{item_id}/answer")
async def answer_item(item_id: str, body: AnswerIn, services: ServicesDep) -> AnswerOut:
    try:
        outcome = await InboxServices(services).answer(
            item_id, choice=body.choice, text=body.text, user=body.user
        )
    except NotFound as err:
        raise HTTPException(status_code=404, detail=str(err)) from err
    except InvalidInput as err:
        raise HTTPException(status_code=409, detail=str(err)) from err
    return AnswerOut(item_id=outcome.item_id, queued=outcome.queued, message=outcome.message)
