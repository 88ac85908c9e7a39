"""The inbox over HTTP: what people are asked, and their answers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ServicesDep
from api.errors import responses
from api.params import ItemIdPath, ProjectIdQuery
from core.vocabulary import ReplyChoice
from db.models import InboxEntry
from services.inbox import InboxServices

router = APIRouter(prefix="/inbox", tags=["inbox"])

MAX_ANSWER_CHARS = 20_000
MAX_USER_CHARS = 128  # the width of inbox.answered_by


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
    choice: ReplyChoice = ""
    text: str = Field(
        default="",
        max_length=MAX_ANSWER_CHARS,
        description="the answer or instructions; control characters other than newline "
        "and tab are dropped",
    )
    # Declared by the caller: the API has no authentication yet (see the app's description).
    # The pattern is documented only: services.text.plain_name refuses control characters.
    user: str | None = Field(
        default=None,
        max_length=MAX_USER_CHARS,
        json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f-\x9f\ufeff]*$"},
        description="who answers; the server's configured user if omitted",
    )


class AnswerOut(BaseModel):
    item_id: str
    queued: bool
    message: str


@router.get("", responses=responses(422, 503))
async def list_inbox(
    services: ServicesDep, project_id: ProjectIdQuery = None
) -> list[InboxItemPublic]:
    items = await InboxServices(services).open_items(project_id=project_id)
    return [InboxItemPublic.of(i) for i in items]


@router.post("/{item_id}/answer", responses=responses(400, 404, 409, 422, 503))
async def answer_item(item_id: ItemIdPath, body: AnswerIn, services: ServicesDep) -> AnswerOut:
    outcome = await InboxServices(services).answer(
        item_id, choice=body.choice, text=body.text, user=body.user
    )
    return AnswerOut(item_id=outcome.item_id, queued=outcome.queued, message=outcome.message)
