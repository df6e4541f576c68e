"""Definitions where the number is, and views a colleague can open from a link (overview, map, goals under
AppTest on the demo city).

Every KPI tile and every table header that holds a figure carries its definition from the indicator registry
(`data_layer.indicators.definition`, the one source the README and the review pack's notes read too); headers that
only name a row (code, name, district…) and the district columns of the map's comparison are the exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.buildings import TABLE_COLUMNS
from data_layer.i18n import table, translate
from data_layer.indicators import DEFINITIONS, KPI_ALIASES, LABEL_COLUMNS, REGISTRY, definition

REPO = Path(__file__).resolve().parents[2]
PAGES = {name: str(REPO / "app_pages" / f"{name}.py") for name in ("overview", "map", "goals")}
ALL_DEFINITIONS = {definition(code, lang) for lang in ("zh", "en")
                   for code in [*DEFINITIONS, *KPI_ALIASES, *(i.code for i in REGISTRY)]}


def _labels(lang: str) -> set[str]:
    """Headers that name the row rather than hold a figure, as each page prints them."""
    keys = [f"{prefix}.{c}" for c in LABEL_COLUMNS
            for prefix in ("goals.col", "goals.rank.col", "goals.movers.col", "map.col")]
    return {translate(k, lang) for k in keys if k in table()} | set(LABEL_COLUMNS)


def _run(page: str, lang: str, **params: str) -> AppTest:
    at = AppTest.from_file(PAGES[page], default_timeout=120)
    at.query_params["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", ["overview", "map", "goals"])
def test_every_tile_and_header_carries_its_registry_definition(demo_env: str, page: str, lang: str) -> None:
    at = _run(page, lang)
    assert not at.exception
    assert len(at.metric) >= 4
    for metric in at.metric:
        assert metric.proto.help in ALL_DEFINITIONS, f"{page}: tile {metric.label!r} has no definition"
    labels = _labels(lang)
    headers = 0
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        # the map's comparison: indicators as rows (named as the tiles are), one column per district
        compare = translate("map.compare.indicator", lang) in frame.value.columns
        for column in frame.value.columns:
            if column in labels or compare or column == "status":  # status: the hidden code behind the colour
                continue
            headers += 1
            assert config.get(column, {}).get("help") in ALL_DEFINITIONS, f"{page}: header {column!r}"
    assert headers >= {"overview": 0, "map": 10, "goals": 12}[page]
    if page == "map":  # areas and tax read with thousands separators (238,430, not 238430)
        table = next(f for f in at.dataframe if translate("map.col.gross_area_m2", lang) in f.value.columns)
        config = json.loads(table.proto.columns)
        assert config[translate("map.col.gross_area_m2", lang)]["type_config"]["format"] == "localized"


def test_the_overview_tiles_read_the_registry_not_a_copy(demo_env: str) -> None:
    """The tile's tooltip is the registry's wording itself (super-A: the graded_super_a entry)."""
    at = _run("overview", "zh")
    helps = {m.label: m.proto.help for m in at.metric}
    assert helps["入驻率（面积加权）"] == next(i.definition_zh for i in REGISTRY if i.code == "occupancy_rate")
    assert helps["超甲级楼宇"] == next(i.definition_zh for i in REGISTRY if i.code == "graded_super_a")
    assert helps["在统楼宇"] == DEFINITIONS["buildings_reporting"][0]


def test_every_code_a_page_shows_has_a_definition() -> None:
    from data_layer.aggregates import KPI_CODES
    from data_layer.indicators import has_definition

    codes = [*KPI_CODES, *(c for c in TABLE_COLUMNS if c not in LABEL_COLUMNS), "buildings"]
    assert [c for c in codes if not has_definition(c) and c not in ("occupancy_rate", "tax_period")] == []
    with pytest.raises(KeyError):
        definition("made_up", "zh")  # a new tile without a definition fails rather than showing nothing


# --- links -------------------------------------------------------------------------------------------------------


def _status_frame(at: AppTest):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if "status_text" in d.value.columns)


def test_a_goals_link_opens_the_same_view_and_choices_go_into_the_url(demo_env: str) -> None:
    at = _run("goals", "zh", as_of="2026-09", pace="seasonal", tab="ranking", basis="yoy")
    assert not at.exception
    assert at.selectbox(key="goal_month_2026").value == 9
    # a widget the browser re-creates shows its own default and sends it back with the next click: each seeded
    # box's default is its held value (2026 is the plan's second year, September the ninth month), not 2025 / 1
    assert (at.selectbox(key="goal_year").proto.default, at.selectbox(key="goal_month_2026").proto.default) == (1, 8)
    assert at.button_group(key="goal_pace").value == "seasonal"
    assert at.session_state["goal_tab_zh"] == translate("goals.tab.ranking", "zh")
    assert "2026-09" in at.caption[0].value
    # the expected column now says "(季节性)": the pace reached the table
    assert _status_frame(at)["expected"].str.contains(translate("goals.pace.seasonal", "zh")).any()
    assert {k: at.query_params[k] for k in ("as_of", "pace", "tab", "basis")} == \
        {"as_of": "2026-09", "pace": "seasonal", "tab": "ranking", "basis": "yoy"}
    at.selectbox(key="goal_scope").set_value("440106").run()  # a choice is written back without a new run
    assert at.query_params["scope"] == "440106" and "level" not in at.query_params
    assert len(_status_frame(at)) == 5  # the district plan's indicators


def test_a_goals_link_with_bad_values_opens_the_default_view(demo_env: str) -> None:
    at = _run("goals", "zh", as_of="2031-02", pace="fast", tab="nope", scope="000000", plan="'; drop")
    assert not at.exception
    assert at.selectbox(key="goal_month_2026").value == 10  # the latest month with data
    assert at.session_state["goal_tab_zh"] == translate("goals.tab.status", "zh")
    assert not {"as_of", "pace", "tab", "scope", "plan"} & set(at.query_params)  # the URL says the default view


def test_an_overview_link_opens_the_same_view(demo_env: str) -> None:
    at = _run("overview", "zh", period="quarter-2026-2", district="440106", trend="registration_rate",
              by="occupancy_rate")
    assert not at.exception
    assert (at.selectbox(key="ov_kind").value, at.selectbox(key="ov_number").value) == ("quarter", 2)
    assert at.selectbox(key="district").value == "440106"
    assert at.selectbox(key="trend_indicator").value == "registration_rate"
    assert at.selectbox(key="district_indicator").value == "occupancy_rate"
    assert "天河区" in at.caption[0].value and "2026年第2季度" in at.caption[0].value.replace(" ", "")
    # another district is written back (AppTest cannot pick the None option "全市": it sends no value for it,
    # and the page then keeps the held district; overview_params leaves the whole city out, tests/pages)
    at.selectbox(key="district").set_value("440104").run()
    assert at.query_params["district"] == "440104" and at.query_params["period"] == "quarter-2026-2"


def test_an_observation_link_opens_the_same_view(demo_env: str) -> None:
    at = AppTest.from_file(str(REPO / "app_pages" / "observation.py"), default_timeout=120)
    at.query_params["quarter"], at.query_params["district"], at.query_params["tab"] = "2026Q2", "440106", "demands"
    at.run()
    assert not at.exception
    assert (at.selectbox(key="obs_quarter").value, at.selectbox(key="obs_district").value) == ("2026Q2", "440106")
    assert at.session_state["obs_tab_zh"] == translate("obs.tab.demands", "zh")


# --- one source: the README and the pack's notes say what the registry says ------------------------------------


def test_the_readme_states_every_definition_in_the_registrys_words() -> None:
    from data_layer.aggregates import KPI_CODES

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    codes = [*KPI_CODES, "buildings", *DEFINITIONS]
    for code in codes:
        for lang in ("zh", "en"):
            assert f"| {definition(code, lang)} |" in readme, (code, lang)


def test_the_packs_notes_define_every_headline_figure_from_the_registry(demo_url: str) -> None:
    from data_layer import db, report
    from data_layer.report import content

    pack = report.build(db.make_engine(demo_url), year=2026, quarter=3, lang="en")
    lines = content.definitions(pack)
    for code in content.KPI_ROWS:
        assert f"{translate(f'kpi.{code}', 'en')}: {definition(code, 'en')}" in lines
    # the plan's further indicators follow, each once (occupancy is not repeated under its plan name)
    assert sum(definition("occupancy_rate", "en") in line for line in lines) == 1
    assert any(line.startswith("Featured-industry buildings: ") for line in lines)
