"""The sidebar's conversation list, as the browser keeps it: pure rules, no browser."""

from __future__ import annotations

from cartwise.ui import conversations as convs


def test_a_new_conversation_joins_the_top_titled_after_its_first_question() -> None:
    saved = convs.started(convs.EMPTY, "a1", "What should user 42 buy next?")
    saved = convs.started(saved, "b2", "Sales by month")
    assert convs.choices(saved) == [("Sales by month", "b2"),
                                    ("What should user 42 buy next?", "a1")]
    assert convs.current(saved) == "b2"
    again = convs.started(saved, "a1", "and for user 43?")  # a known one keeps its title
    assert convs.choices(again)[0] == ("What should user 42 buy next?", "a1")
    assert convs.EMPTY == {"current": None, "conversations": []}  # never changed


def test_titles_are_one_short_line() -> None:
    assert convs.title_of("  a \n b ") == "a b"
    assert convs.title_of("") == "New conversation"
    long = convs.title_of("word " * 40)
    assert len(long) <= convs.TITLE_CHARS and long.endswith("…") and "wor…" not in long


def test_rename_remove_and_open() -> None:
    saved = convs.started(convs.started(convs.EMPTY, "a1", "first"), "b2", "second")
    saved = convs.renamed(saved, "a1", "Shopper 42")
    assert convs.title(saved, "a1") == "Shopper 42"
    assert convs.renamed(saved, "a1", "   ") == saved
    saved = convs.opened(saved, "a1")
    assert convs.current(saved) == "a1" and convs.choices(saved)[0][1] == "b2"
    saved = convs.removed(saved, "a1")
    assert convs.current(saved) is None and convs.choices(saved) == [("second", "b2")]
    assert convs.opened(saved, "unknown")["current"] is None


def test_a_damaged_value_from_the_browser_is_cleaned() -> None:
    assert convs.choices(None) == [] and convs.current("junk") is None
    saved = {"current": "bad id!", "conversations": [
        {"id": "ok-1", "title": "kept"}, {"id": "bad id!", "title": "dropped"}, "junk",
        {"id": "ok-1", "title": "duplicate"}, {"title": "no id"}]}
    assert convs.choices(saved) == [("kept", "ok-1")] and convs.current(saved) is None


def test_the_list_is_bounded() -> None:
    saved = convs.EMPTY
    for i in range(convs.MAX_CONVERSATIONS + 5):
        saved = convs.started(saved, f"s{i}", f"question {i}")
    assert len(convs.choices(saved)) == convs.MAX_CONVERSATIONS
    assert convs.choices(saved)[0] == (f"question {convs.MAX_CONVERSATIONS + 4}",
                                       f"s{convs.MAX_CONVERSATIONS + 4}")
