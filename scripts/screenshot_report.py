"""Regenerate docs/report-sample.png: the HTML report of the shipped sample in headless Chromium.

    python scripts/screenshot_report.py            # needs Debian's chromium (apt-get install chromium)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from click.testing import CliRunner

    from dbhygiene.cli import cli

    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if browser is None:
        print("no Chromium on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        result = CliRunner().invoke(cli, ["check", str(ROOT / "sample_data" / "conarc_sample.csv"), "--profile", "ar",
                                          "--as-of", "2026-11-22", "-f", "html", "-o", str(page)])
        if result.exit_code not in (0, 1):
            print(result.output, file=sys.stderr)
            return 2
        shot = ROOT / "docs" / "report-sample.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                        "--window-size=1280,2200", f"--screenshot={shot}", page.as_uri()],
                       check=True, capture_output=True, timeout=180)
    print(f"wrote {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
