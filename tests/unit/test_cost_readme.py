"""The README's Cost section is the cost model rendered, so a changed price or default cannot
leave its figures behind."""

from __future__ import annotations

from pathlib import Path

from queue_stats import cost
from queue_stats.cost import Scenario, Setup, usd
from queue_stats.cost_report import README_END, README_START, render_readme
from scripts.readme_block import replaced, section

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_cost_section_is_the_model_rendered() -> None:
    # Given the README as committed
    text = README.read_text(encoding="utf-8")
    # When its Cost section is compared with a fresh rendering of the model
    # Then they are the same
    assert section(text, start=README_START, end=README_END) == render_readme(), (
        "README out of date: run `python scripts/cost_table.py --write`"
    )


def test_the_rendered_section_shows_each_option_for_each_queue_count() -> None:
    # Given the rendering of the stack's defaults
    rendered = render_readme()
    # When the options table is read
    # Then every option's total at 10, 100 and 1,000 queues is in it
    for count in cost.README_QUEUE_COUNTS:
        for option in cost.compare(Setup(), Scenario(count)):
            assert f"**{usd(option.estimate.total)}** ({usd(option.estimate.per_queue)} a queue)" in rendered


def test_a_section_is_replaced_between_its_markers_only() -> None:
    # Given a document with a generated section
    text = "intro\n<!-- a -->\nold\n<!-- b -->\noutro\n"
    # When the section is updated
    # Then only what is between the markers changes
    new = replaced(text, start="<!-- a -->", end="<!-- b -->", block="new")
    assert new == "intro\n<!-- a -->\nnew\n<!-- b -->\noutro\n"
