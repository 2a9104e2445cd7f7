"""The HTML report of the sample, opened in headless Chromium: the verdict table, the charts and the
filter script are rendered. Skips (with its reason) only where no Chromium is installed; `.ci/run`
installs Debian's `chromium` when it is missing and apt-get is available."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbhygiene.principles import load_principles

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "conarc_sample.csv"
BROWSER = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium on PATH (.ci/run installs Debian's chromium "
                                                        "with apt-get when it can)")


def chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-extensions", *args],
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from click.testing import CliRunner

    from dbhygiene.cli import cli

    out = tmp_path_factory.mktemp("html") / "report.html"
    result = CliRunner().invoke(cli, ["check", str(SAMPLE), "--profile", "ar", "--as-of", "2026-11-22",
                                      "-f", "html", "-o", str(out)])
    assert result.exit_code == 1, result.output
    return out


def test_chromium_renders_the_verdict_table_charts_and_runs_the_filter_script(page):
    import lxml.html

    done = chromium("--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    doc = lxml.html.fromstring(done.stdout)
    rows = doc.xpath("//table[@id='verdict-table']/tbody/tr")
    assert len(rows) == len(load_principles().requirements)
    statuses = [r.get("data-status") for r in rows]
    assert "fails" in statuses and all(r.xpath(".//span[contains(@class, 'badge')]") for r in rows)
    charts = doc.xpath("//figure[contains(@class, 'chart')]")
    assert {c.get("id") for c in charts} >= {"chart-ages", "chart-by-rule", "chart-minors-by-offence", "chart-by-year"}
    assert all(c.xpath(".//*[local-name()='svg']//*[local-name()='path']") for c in charts)
    # the inline script ran under the page's Content-Security-Policy and counted the rows
    count = doc.xpath("//span[@id='f-count']")[0].text_content()
    assert count.endswith("rows shown") and count.split()[0] == count.split()[2]


def test_chromium_screenshot_shows_the_page(page, tmp_path):
    import matplotlib.image

    shot = tmp_path / "shot.png"
    done = chromium("--window-size=1200,1800", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    pixels = (matplotlib.image.imread(shot)[..., :3] * 255).astype(int)
    assert pixels.shape[:2] == (1800, 1200)
    red = (abs(pixels[..., 0] - 0xB4) < 12) & (abs(pixels[..., 1] - 0x23) < 12) & (abs(pixels[..., 2] - 0x18) < 12)
    assert red.sum() > 200  # the minors' bars of the charts are drawn
