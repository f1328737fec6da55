"""Secrets a customer pastes into a case are hidden before they are stored or shown."""

from __future__ import annotations

from tests.conftest import bearer


def test_pasted_card_number_and_code_never_reach_the_agent(client, people):
    customer = bearer(client, people.customer)
    created = client.post(
        "/api/v1/cases",
        json={
            "category": "feedback",
            "subject": "验证码 483920 是不是被盗用了",
            "description": "客服电话让我报卡号 4111 1111 1111 1111 和验证码 551234，这是真的吗？",
        },
        headers=customer,
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    client.post(
        f"/api/v1/cases/{case_id}/messages",
        json={"body": "my seed phrase: " + " ".join(["abandon"] * 11 + ["about"])},
        headers=customer,
    )

    agent_view = client.get(f"/api/v1/cases/{case_id}", headers=bearer(client, people.agent)).json()
    messages = client.get(
        f"/api/v1/cases/{case_id}/messages", headers=bearer(client, people.agent)
    ).json()
    everything = str(agent_view) + str(messages)
    for secret in ("483920", "4111 1111 1111 1111", "551234", "abandon abandon"):
        assert secret not in everything
    assert "****1111" in everything
    assert "[recovery phrase hidden]" in everything  # the marker is in the message's language
