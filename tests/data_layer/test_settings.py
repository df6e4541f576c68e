"""Settings come from the environment at call time; a mistyped number falls back to its default, logged."""

from __future__ import annotations

import logging

import pytest

from data_layer.settings import get_settings


def test_settings_are_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_KIOSK_INTERVAL", "7")
    monkeypatch.setenv("DASHBOARD_AT_RISK_SHARE", "0.2")
    settings = get_settings()
    assert settings.kiosk_interval_seconds == 7 and settings.at_risk_margin_share == 0.2


def test_a_mistyped_number_uses_the_default_and_says_so(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DASHBOARD_KIOSK_INTERVAL", "20s")
    monkeypatch.setenv("DASHBOARD_ALERT_NEGATIVE_SHARE", "30%")
    with caplog.at_level(logging.WARNING, logger="dashboard.settings"):
        settings = get_settings()
    assert settings.kiosk_interval_seconds == 20 and settings.alert_negative_share == 0.30
    assert "DASHBOARD_KIOSK_INTERVAL='20s'" in caplog.text and "DASHBOARD_ALERT_NEGATIVE_SHARE='30%'" in caplog.text
