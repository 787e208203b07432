"""Acceptance of the dashboard in a real browser: a wrong password is refused, log in, start a download from
Search and watch it reach 100 % on the Queue page without a reload, see a failed task's reason after a hoster
fault, delete a task, the Setup values match the demo's, and every page passes axe-core with no serious or
critical violation. The tests run in file order on one server and one browser (the login carries over)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from anibridge.delivery.cli.banner import Address, arr_setup_lines
from anibridge.settings import load_settings
from anibridge_fakes.world import FakeWorld
from tests.browser.conftest import PASSWORD, USER
from tests.e2e.conftest import ServerHandle

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOW = "kaguya-sama-love-is-war"
T = TypeVar("T")


def wait_for(what: str, fn: Callable[[], T], timeout: float, server: ServerHandle) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as ex:  # noqa: BLE001 - the element may be mid-swap; try again
            last = ex
        else:
            if last:
                return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last {last!r}\n--- server log ---\n{server.logs()[-3000:]}")


def shot(driver: WebDriver, artefacts: Path, name: str) -> None:
    driver.save_screenshot(str(artefacts / f"{name}.png"))


def log_in(driver: WebDriver, server: ServerHandle, password: str) -> None:
    driver.get(f"{server.base_url}/")
    assert "/login" in driver.current_url  # the dashboard is behind the qBittorrent login
    driver.find_element(By.ID, "username").send_keys(USER)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()


def row_for(driver: WebDriver, episode_tag: str) -> Any:
    for row in driver.find_elements(By.CSS_SELECTOR, "#queue-rows tr[data-key]"):
        if episode_tag in row.find_element(By.CSS_SELECTOR, "th.name").text:
            return row
    return None


def grab_from_search(driver: WebDriver, server: ServerHandle, episode: int, mode: str = "download") -> None:
    driver.get(f"{server.base_url}/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys("Kaguya-sama")
    box.submit()
    link = driver.find_element(By.CSS_SELECTOR, f'a[href*="site=aniworld.to"][href*="slug={SHOW}"]')
    link.click()
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Kaguya")
    row = driver.find_element(By.CSS_SELECTOR, f'tr[data-episode="{episode}"]')
    Select(row.find_element(By.TAG_NAME, "select")).select_by_visible_text("German Dub")
    row.find_element(By.CSS_SELECTOR, f'button[name=mode][value="{mode}"]').click()


def test_a_wrong_password_is_refused(browser: WebDriver, server: ServerHandle, artefacts: Path) -> None:
    log_in(browser, server, "not-the-password")
    error = browser.find_element(By.ID, "login-error")
    assert "Wrong user name or password" in error.text and error.get_attribute("role") == "alert"
    assert "/login" in browser.current_url
    assert not browser.find_elements(By.CSS_SELECTOR, "nav[aria-label=Main]")
    shot(browser, artefacts, "login-refused")
    browser.get(f"{server.base_url}/queue")
    assert "/login" in browser.current_url  # still locked out


def test_log_in(browser: WebDriver, server: ServerHandle, artefacts: Path) -> None:
    log_in(browser, server, PASSWORD)
    # The click only starts the navigation: wait for the page it leads to instead of reading the old one.
    wait_for("the overview after logging in",
             lambda: browser.find_element(By.TAG_NAME, "h1").text == "Overview", 15, server)
    assert browser.find_element(By.CSS_SELECTOR, 'nav a[aria-current="page"]').text == "Overview"
    shot(browser, artefacts, "overview")


def test_download_from_search_reaches_100_percent_without_reload(
    browser: WebDriver, server: ServerHandle, artefacts: Path
) -> None:
    grab_from_search(browser, server, 1)
    assert "/queue" in browser.current_url
    assert "Added to the queue" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    row = row_for(browser, "S01E01")
    assert row is not None, "the job is in the queue at once"
    assert "aniworld.to" in row.text and "German Dub" in row.text
    browser.execute_script("window.__sameDocument = 'yes';")  # a reload would drop this
    seen: set[str] = set()

    def finished() -> bool:
        r = row_for(browser, "S01E01")
        progress = r.find_element(By.CSS_SELECTOR, '[data-field="progress"]').text
        seen.add(progress)
        return bool(progress == "100.0 %" and r.find_element(By.CSS_SELECTOR, '[data-field="state"]').text
                    == "completed")

    wait_for("the download to reach 100 %", finished, 90, server)
    assert browser.execute_script("return window.__sameDocument") == "yes", "the page reloaded"
    assert len(seen) >= 2, f"progress never moved on the page: {seen}"
    done = row_for(browser, "S01E01")
    assert done.find_element(By.CSS_SELECTOR, '[data-field="path"]').text.endswith(".mp4")
    assert done.find_element(By.CSS_SELECTOR, '[data-field="hoster"]').text  # the hoster that served it
    shot(browser, artefacts, "queue-completed")


def test_a_failed_task_shows_its_reason(
    browser: WebDriver, server: ServerHandle, fake_world: FakeWorld, artefacts: Path
) -> None:
    for hoster in fake_world.hosters.values():
        hoster.app.faults.status = 503
    try:
        grab_from_search(browser, server, 4)

        def failed() -> str:
            r = row_for(browser, "S01E04")
            if r.find_element(By.CSS_SELECTOR, '[data-field="state"]').text != "failed":
                return ""
            return str(r.find_element(By.CSS_SELECTOR, '[data-field="message"]').text)

        reason = wait_for("the task to fail with a reason", failed, 120, server)
    finally:
        fake_world.reset()
    assert "VOE" in reason or "503" in reason, reason
    shot(browser, artefacts, "queue-failed")
    browser.get(f"{server.base_url}/")
    assert browser.find_element(By.ID, "count-failed").text == "1"
    assert reason.splitlines()[0][:40] in browser.find_element(By.CSS_SELECTOR, ".failures").text


def test_delete_a_task(browser: WebDriver, server: ServerHandle) -> None:
    browser.get(f"{server.base_url}/queue")
    row = row_for(browser, "S01E04")
    row.find_element(By.CSS_SELECTOR, 'button[value="delete-files"]').click()
    assert "Done" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert row_for(browser, "S01E04") is None
    assert row_for(browser, "S01E01") is not None


def test_setup_values_match_the_demo(browser: WebDriver, server: ServerHandle, artefacts: Path,
                                     tmp_path: Path) -> None:
    browser.get(f"{server.base_url}/setup")
    values = {el.get_attribute("data-setup"): el.text
              for el in browser.find_elements(By.CSS_SELECTOR, "code[data-setup]")}
    base = server.base_url
    port = base.rsplit(":", 1)[1]
    assert values["Prowlarr|URL"] == f"{base}/torznab"
    assert values["Prowlarr|API Path"] == "/api"
    assert values["Sonarr|Host"] == "127.0.0.1" and values["Sonarr|Port"] == port
    assert values["Sonarr|Category"] == "tv-sonarr" and values["Radarr|Category"] == "radarr"
    assert values["Sonarr|Username"] == USER
    # What `anibridge demo` (and `serve`) print for the same address: the shared banner lines.
    demo = "\n".join(arr_setup_lines(load_settings({}), Address("127.0.0.1", int(port))))
    assert f"URL {values['Prowlarr|URL']}   API Path {values['Prowlarr|API Path']}" in demo
    assert f"Host {values['Sonarr|Host']}   Port {values['Sonarr|Port']}" in demo
    assert "Categories 5070 (TV/Anime), 2000 (Movies)" in demo and values["Prowlarr|Categories"] == "5070, 2000"
    copy = browser.find_element(By.CSS_SELECTOR, 'button.copy[data-copy$="/torznab"]')
    assert copy.is_displayed()  # the script un-hides copy buttons
    browser.find_element(By.CSS_SELECTOR, 'form.checks button[value="database"]').click()
    result = browser.find_element(By.CSS_SELECTOR, "table.results tbody tr")
    assert result.find_element(By.TAG_NAME, "th").text == "database" and "ok" in result.text
    shot(browser, artefacts, "setup")


def test_every_page_passes_axe(browser: WebDriver, server: ServerHandle, artefacts: Path) -> None:
    pages = {
        "overview": "/", "queue": "/queue", "search": "/search?q=Kaguya-sama",
        "show": f"/search/show?site=aniworld.to&slug={SHOW}", "setup": "/setup", "settings": "/settings",
    }
    source = AXE.read_text()
    problems: dict[str, list[dict[str, Any]]] = {}
    # Light on a desktop, dark (prefers-color-scheme) on a desktop, light on a phone-sized window.
    variants = [("", "light", (1280, 1000)), ("-dark", "dark", (1280, 1000)), ("-phone", "light", (390, 844))]
    try:
        for suffix, scheme, (width, height) in variants:
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                "features": [{"name": "prefers-color-scheme", "value": scheme}]})
            browser.set_window_size(width, height)
            for name, path in pages.items():
                browser.get(server.base_url + path)
                shot(browser, artefacts, f"page-{name}{suffix}")
                found = _axe(browser, source)
                serious = [v for v in found if v["impact"] in ("serious", "critical")]
                if serious:
                    problems[name + suffix] = serious
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.set_window_size(1280, 1000)
    browser.delete_all_cookies()
    browser.get(server.base_url + "/login")
    shot(browser, artefacts, "page-login")
    serious = [v for v in _axe(browser, source) if v["impact"] in ("serious", "critical")]
    if serious:
        problems["login"] = serious
    (artefacts / "axe.json").write_text(json.dumps(problems, indent=2))
    assert not problems, json.dumps(
        {page: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]
         for page, found in problems.items()}, indent=1)


def _axe(browser: WebDriver, source: str) -> list[dict[str, Any]]:
    browser.execute_script(source)  # WebDriver scripts are not subject to the page's CSP
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{"
        "id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return list(result)
