"""The HTML report in a real browser: Debian's headless Chromium, driven by
selenium through Debian's chromedriver. Asserts on the rendered DOM (the summary
counts equal the JSON report, the filters hide the other findings, the
sequence-length line sits on the log axis, a phone-wide window does not scroll
sideways) and keeps screenshots under tests/artifacts/."""

from __future__ import annotations

import json
import random
import shutil
import typing as t
from pathlib import Path

import pytest

import ftprep
from ftprep.output.html import write_html

CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parent / "artifacts"
INSTALL = "install it: apt-get install chromium chromium-driver (and pip install 'selenium>=4.20,<5')"
MAX_SEQ_LEN = 200


def dataset(path: Path) -> Path:
    """Chats of many lengths, with broken rows (errors), duplicates (warnings) and long rows."""
    rnd = random.Random(7)
    lines = []
    for i in range(400):
        n = int(rnd.lognormvariate(3.0, 1.5)) + 1
        lines.append(json.dumps({"conversations": [
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": " ".join(["word"] * n)}]}))
        if i % 40 == 5:
            lines.append(json.dumps({"conversations": "not a list"}))
        if i % 25 == 3:
            lines.append(lines[rnd.randrange(len(lines))])
        if i % 60 == 7:
            lines.append(json.dumps({"conversations": [{"role": "user", "content": "hi"},
                                                       {"role": "assistant", "content": "  "}]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> t.Iterator[t.Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(f"selenium is missing: {INSTALL}")
    if not Path(CHROMEDRIVER).exists() or not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        pytest.fail(f"Chromium is not installed: {INSTALL}")
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, t.Any]]:
    folder = tmp_path_factory.mktemp("page")
    data = dataset(folder / "chats.jsonl")
    report = ftprep.check(str(data), chat_template="qwen3", max_seq_len=MAX_SEQ_LEN, min_rows=1)
    out = folder / "report.html"
    write_html(report, out)
    return out, report.to_json()


def shot(driver: t.Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    driver.save_screenshot(str(target))
    print(f"screenshot: {target}")
    assert target.stat().st_size > 1000


def visible(driver: t.Any, css: str) -> list[t.Any]:
    return [el for el in driver.find_elements("css selector", css) if el.is_displayed()]


def test_summary_counts_match_the_json_report(browser: t.Any, page: tuple[Path, dict[str, t.Any]]) -> None:
    path, report = page
    browser.set_window_size(1200, 900)
    browser.get(path.as_uri())
    f = report["files"][0]
    want: dict[str, int] = {}
    for d in f["diagnostics"]:
        want[d["code"]] = want.get(d["code"], 0) + 1
    for code, n in f.get("not_shown", {}).items():
        want[code] = want.get(code, 0) + n
    rows = browser.find_elements("css selector", "table.summary tbody tr")
    got = {r.get_attribute("data-code"): int(r.find_element("css selector", ".count").text.replace(",", ""))
           for r in rows}
    assert got == want and {"C001", "C010", "D001", "T001"} <= set(got)
    errors = sum(n for r, n in zip(rows, got.values()) if r.get_attribute("data-severity") == "error")
    assert errors == report["summary"]["errors"] > 0
    assert browser.find_element("id", "total-errors").text == f"{report['summary']['errors']:,}"
    assert browser.find_element("id", "total-warnings").text == f"{report['summary']['warnings']:,}"
    # Nothing is fetched: no element loads anything from anywhere.
    assert not browser.find_elements("css selector", "[src], link")
    shot(browser, "html_report_desktop.png")


def test_filters_hide_the_other_findings(browser: t.Any, page: tuple[Path, dict[str, t.Any]]) -> None:
    path, report = page
    browser.get(path.as_uri())
    all_rows = visible(browser, "tr.finding")
    assert {r.get_attribute("data-severity") for r in all_rows} == {"error", "warning"}
    browser.find_element("css selector", "input[data-severity=warning]").click()
    left = visible(browser, "tr.finding")
    assert left and {r.get_attribute("data-severity") for r in left} == {"error"}
    kept_errors = sum(1 for d in report["files"][0]["diagnostics"] if d["severity"] == "error")
    assert len(left) == kept_errors  # fewer than the cap per code here: every error is listed
    assert browser.find_element("css selector", ".shown").text == f"{len(left):,}"
    # A code in the summary shows only its findings (and turns every severity back on).
    link = browser.find_element("css selector", "table.summary a[data-code=D001]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    left = visible(browser, "tr.finding")
    dups = sum(1 for d in report["files"][0]["diagnostics"] if d["code"] == "D001")
    assert len(left) == dups > 0 and {r.get_attribute("data-code") for r in left} == {"D001"}
    assert browser.find_element("css selector", "select.code").get_attribute("value") == "D001"
    shot(browser, "html_report_filtered.png")


def test_the_sequence_length_line_is_on_the_log_axis(browser: t.Any, page: tuple[Path, dict[str, t.Any]]) -> None:
    path, _ = page
    browser.get(path.as_uri())
    svg = browser.find_element("css selector", "svg.chart[data-scale=log]")
    line = svg.find_element("id", "seq-len")
    assert line.get_attribute("data-tokens") == str(MAX_SEQ_LEN)
    bars = svg.find_elements("css selector", "rect[data-rows]")
    over = [b for b in bars if "over" in (b.get_attribute("class") or "")]
    inside = [b for b in bars if "in" == (b.get_attribute("class") or "")]
    assert over and inside
    assert all(int(b.get_attribute("data-low")) > MAX_SEQ_LEN for b in over)
    assert all(int(b.get_attribute("data-high")) <= MAX_SEQ_LEN + 1 for b in inside)
    x = line.rect["x"]
    assert abs(x - over[0].rect["x"]) < 2 and all(b.rect["x"] < x for b in inside)
    # Log axis: the decades are equally wide on screen.
    ticks = {el.text: el.rect["x"] + el.rect["width"] / 2 for el in svg.find_elements("css selector", "text.tick")}
    assert {"50", "100", "500", "1k"} <= set(ticks)
    assert abs((ticks["1k"] - ticks["100"]) - (ticks["500"] - ticks["50"])) < 2  # a factor of 10 is one width
    assert abs((ticks["100"] - ticks["50"]) - (ticks["1k"] - ticks["500"])) < 2  # doubling is one width too
    assert ticks["500"] - ticks["100"] > ticks["100"] - ticks["50"] > 0  # and five times is wider
    assert browser.find_element("css selector", ".over-count").text == str(len(over and [
        1 for b in over for _ in range(int(b.get_attribute("data-rows")))]))


def test_a_phone_wide_window_does_not_scroll_sideways(browser: t.Any, page: tuple[Path, dict[str, t.Any]]) -> None:
    path, _ = page
    browser.set_window_size(390, 844)
    try:
        browser.get(path.as_uri())
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, width
        assert browser.find_element("css selector", "mark.trained").is_displayed()
        shot(browser, "html_report_phone.png")
    finally:
        browser.set_window_size(1200, 900)
