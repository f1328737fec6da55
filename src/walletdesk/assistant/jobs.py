"""The assistant's answers as background jobs: a customer's message is stored, committed and on
its way to the agents' screens before the assistant searches the help center. The job is tried
at once by the process that stored the message (the answer normally follows within the same
request) and retried if that try fails; if the assistant still cannot answer, a person is asked.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from walletdesk.assistant.subscribers import answer_message
from walletdesk.conversations import service as conversations
from walletdesk.jobqueue import TaskRun, task

log = logging.getLogger("walletdesk.assistant")
TRIES = 3


@task("assistant.answer", max_attempts=TRIES, backoff=timedelta(seconds=2))
def answer(run: TaskRun) -> None:
    conversation_id = int(run.payload["conversation_id"])
    seq = int(run.payload["seq"])
    if run.attempt < TRIES:
        answer_message(run.db, conversation_id=conversation_id, seq=seq)
        return
    try:  # the last try: an assistant that cannot answer hands over instead of staying silent
        with run.db.begin_nested():
            answer_message(run.db, conversation_id=conversation_id, seq=seq)
    except Exception:
        log.exception("the assistant failed on conversation %s; handing over", conversation_id)
        conversation = conversations.assistant_conversation(run.db, conversation_id=conversation_id)
        if conversation.state == "assistant":
            conversations.request_handover(
                run.db, conversation=conversation, reason="low_confidence"
            )
