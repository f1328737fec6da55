"""The help center's seed files are read against a schema: a slip in the YAML is refused
with a message naming the file and the entry, never shown cut short on a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from walletdesk.helpcenter import content, registry, seedfiles


def test_the_shipped_seed_files_fit_their_schemas():
    registry.seed_data.cache_clear()
    seed = registry.seed_data()
    assert any(
        c.label.en == "Security email (stolen accounts, fraud)" for c in seed.official_channels
    )
    assert content.read_categories()
    assert len(content.read_articles()) >= 60


def test_an_unquoted_comma_in_a_label_is_refused_naming_the_entry(tmp_path: Path):
    bad = tmp_path / "seed.yaml"
    bad.write_text(
        "official_channels:\n"
        "  - kind: email\n"
        "    value: security@walletdesk.com\n"
        "    label: {zh: 安全邮箱, en: Security email (stolen accounts, fraud)}\n"
        "    notes: {zh: '', en: ''}\n",
        "utf-8",
    )
    with pytest.raises(seedfiles.SeedFileInvalid) as refused:
        seedfiles.load(seedfiles.Seed, bad)
    message = str(refused.value)
    assert message.startswith("seed.yaml: ")
    assert "official_channels[0] (security@walletdesk.com) › label" in message


def test_unknown_kinds_missing_languages_and_stray_keys_are_refused(tmp_path: Path):
    bad = tmp_path / "seed.yaml"
    bad.write_text(
        "official_channels:\n"
        "  - {kind: fax, value: '123', label: {zh: 传真, en: Fax}, notes: {zh: '', en: ''}}\n"
        "  - {kind: phone, value: '400', label: {zh: 热线}, notes: {zh: '', en: ''}}\n"
        "announcements:\n"
        "  - {kind: notice, title: {zh: 标题, en: Title}, body: {zh: a, en: b}, colour: red}\n",
        "utf-8",
    )
    with pytest.raises(seedfiles.SeedFileInvalid) as refused:
        seedfiles.load(seedfiles.Seed, bad)
    message = str(refused.value)
    assert "official_channels[0] (123) › kind" in message
    assert "official_channels[1] (400) › label › en" in message
    assert "announcements[0] (Title) › colour" in message


def test_a_category_without_topics_and_an_article_without_title_are_refused(tmp_path: Path):
    (tmp_path / "categories.yaml").write_text(
        "categories:\n  - {slug: contact-us, zh: 联系, en: Contact, topics: []}\n", "utf-8"
    )
    with pytest.raises(
        seedfiles.SeedFileInvalid, match=r"categories\.yaml: .*\(contact-us\) › topics"
    ):
        content.read_categories(tmp_path)
    with pytest.raises(seedfiles.SeedFileInvalid, match=r"fees\.en\.md: title"):
        content.parse_article("---\nsummary: x\n---\nbody", slug="fees", lang="en")
