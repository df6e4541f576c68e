"""The browser fixtures of tests/browser, shared with the attacks that need a real browser."""

from tests.browser.conftest import browser, watched_page  # noqa: F401 - fixtures, used by name
