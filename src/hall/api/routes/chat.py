"""The conversation with the guide, and citizens' feedback on its replies."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from hall.api.deps import DialogueDep, EngineDep, SpeakerDep, StoreDep
from hall.api.ratelimit import client_key, rate_limit
from hall.api.schemas import (
    ChatIn,
    ChatMatterPublic,
    ChatPublic,
    ElementPublic,
    ErrorPublic,
    FeedbackIn,
    FeedbackPublic,
    PersonaPublic,
    ReplyPublic,
    SimilarPublic,
    SuggestionPublic,
)
from hall.guide import ELEMENT_LABELS, Turn
from hall.store import set_turn_feedback

router = APIRouter(
    prefix="/api",
    tags=["chat"],
    responses={429: {"model": ErrorPublic, "description": "Too many requests: see Retry-After."}},
)

EXAMPLE = {
    "session_id": "q3v9yJ2m4zKp0bWc1dXe8fGh",
    "turn": 2,
    "reply": {
        "text": "为您找到「生育登记」的办事指南：办理部门：区卫生健康局；办理时限：即来即办；"
        "收费：不收费。您可以点击下方按钮逐项查看办事指南，或说“下一步”。",
        "speech_url": "/api/speech/5f1c0e8a2b7d4c3e9a6b1f0d2c4e8a7b.wav",
        "decision": "answer",
        "persona": {"state": "answering", "expression": "smile", "gesture": "present"},
        "matter": {"code": "HD-0101", "title": "生育登记", "department": "区卫生健康局"},
        "suggestions": [{"label": "申请材料", "message": "申请材料"}],
        "similar": [{"code": "HD-0103", "title": "出生医学证明办理"}],
    },
}


def _public(turn: Turn, speech_url: str | None) -> ChatPublic:
    reply = turn.reply
    return ChatPublic(
        session_id=turn.session_id,
        turn=turn.turn,
        reply=ReplyPublic(
            text=reply.text,
            speech_url=speech_url,
            decision=reply.decision,
            persona=PersonaPublic(**reply.look.as_dict()),
            matter=ChatMatterPublic(**reply.matter) if reply.matter else None,
            element=ElementPublic(key=reply.element.value, label=ELEMENT_LABELS[reply.element])
            if reply.element
            else None,
            suggestions=[
                SuggestionPublic(label=s.label, message=s.message) for s in reply.suggestions
            ],
            similar=[SimilarPublic(code=c, title=t) for c, t in reply.similar],
        ),
    )


@router.post(
    "/chat",
    response_model=ChatPublic,
    summary="Say something to the guide",
    description="One turn of a conversation: the guide welcomes, answers with a matter's guide "
    'and walks through its elements (材料, 时限, 地点, 收费…), asks "did you mean" with '
    "buttons, or declines politely. The conversation lives in the store, so any process may "
    "serve the next turn; its id comes back in every reply. Every reply can be spoken: "
    "`speech_url` serves the audio, made when it is first fetched (or at once with `speak`).",
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        409: {
            "model": ErrorPublic,
            "description": "Another message of this conversation is being answered.",
        },
    },
    dependencies=[rate_limit("chat")],
)
def chat(body: ChatIn, request: Request, dialogue: DialogueDep, speaker: SpeakerDep) -> ChatPublic:
    turn = dialogue.turn(body.message, session_id=body.session_id)
    speech_url = None
    if speaker is not None and speaker.available:
        clip = speaker.prepare(turn.reply.text)
        if clip is not None:
            if body.speak:
                speaker.prefetch(clip.id)  # synthesised while the browser renders the text
            speech_url = str(request.url_for("speech", name=f"{clip.id}.wav").path)
    return _public(turn, speech_url)


@router.post(
    "/feedback",
    response_model=FeedbackPublic,
    summary="Was a reply helpful",
    description="Attaches the citizen's verdict (and an optional comment) to one turn of a "
    "conversation in the question history, for the back office. One verdict per turn: a "
    "second replaces the first (a few times an hour at most). Personal numbers and blocked "
    "words in the comment are masked before it is stored.",
    responses={404: {"model": ErrorPublic, "description": "No such turn in this conversation."}},
    dependencies=[rate_limit("feedback")],
)
async def feedback(
    body: FeedbackIn, request: Request, store: StoreDep, engine: EngineDep
) -> FeedbackPublic:
    limiter = request.app.state.rate_limiter
    await limiter.check("feedback_turn", client_key(request), body.session_id, str(body.turn))
    comment = engine.mask(body.comment) if body.comment else None

    def record() -> bool:
        with store.session() as session:
            return set_turn_feedback(
                session, body.session_id, body.turn, helpful=body.helpful, comment=comment
            )

    if not await run_in_threadpool(record):
        raise HTTPException(status_code=404, detail="no such turn in this conversation")
    return FeedbackPublic()
