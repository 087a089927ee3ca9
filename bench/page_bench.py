"""The drive page's first load in Chromium, through the bench's nginx (bench/drive_bench.py,
measure `page`): how many bytes of CSS and JavaScript it transfers, compressed as nginx
serves them (gzip_static: the .gz copies collectstatic writes), and how soon it is
interactive in a folder of 10,000 entries, with an empty cache each run.

"Interactive" is the moment the browser tests wait for (tests/e2e/pages.py ALL_READY): the
document has loaded and every module script of the page has called markReady. Both
figures come from Chromium's own timings: Resource Timing's encodedBodySize (the body as
it came over the wire) and, in milliseconds since the navigation started, Navigation
Timing's loadEventEnd and the time of the last markReady (performance.now()).

Budgets: CSS+JS under 150 kB (SI units, as the whole site: 1 kB = 1000 bytes), interactive
under 1 s. The weight is the same on every machine, so a page over its budget stops the
run, --quick included; the time is reported against its target.
"""

from __future__ import annotations

import statistics
from pathlib import Path

WEIGHT_BUDGET = 150_000  # bytes of CSS+JS, compressed
INTERACTIVE_TARGET_MS = 1000
CHROMIUM = "/usr/bin/chromium"

# Runs before the page's own scripts: notes when the last module of the page marks it ready.
READY_CLOCK = """(() => {
  const modules = () => [...document.querySelectorAll("script[type=module][src]")]
    .map((script) => new URL(script.src).pathname.split("/").pop().split(".")[0]);
  const check = () => {
    if (window.__driveReadyAt !== undefined) return;
    const ready = (document.documentElement.dataset.ready || "").split(" ").filter(Boolean);
    const wanted = modules();
    if (wanted.length && wanted.every((name) => ready.includes(name))) window.__driveReadyAt = performance.now();
  };
  new MutationObserver(check).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
  // Main-thread tasks over 50 ms: where the time before "ready" goes.
  window.__driveLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__driveLongTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });
})();"""

TIMINGS = r"""() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const assets = performance.getEntriesByType("resource")
    .filter((entry) => /\.(css|m?js)$/.test(new URL(entry.name).pathname))
    .map((entry) => ({
      path: new URL(entry.name).pathname, encoded: entry.encodedBodySize, decoded: entry.decodedBodySize,
      start: entry.startTime, end: entry.responseEnd,
    }));
  return {
    response_start: navigation.responseStart,
    response_end: navigation.responseEnd,
    dom_interactive: navigation.domInteractive,
    dom_content_loaded: navigation.domContentLoadedEventEnd,
    load: navigation.loadEventEnd,
    ready: window.__driveReadyAt,
    rows: document.querySelectorAll("tr[data-id]").length,
    long_tasks: window.__driveLongTasks,
    assets,
  };
}"""


def first_loads(*, url: str, cookies: list[dict], runs: int) -> list[dict]:
    """Load `url` `runs` times, each in a fresh browser context (an empty cache), and return
    Chromium's timings of each load."""
    from playwright.sync_api import sync_playwright

    import tests.e2e.pages as pages

    if not Path(CHROMIUM).exists():
        raise RuntimeError("the page measure needs Debian's chromium (apt-get install chromium)")
    loads = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            for _ in range(runs):
                context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 800})
                context.add_cookies(cookies)
                context.add_init_script(READY_CLOCK)
                page = context.new_page()
                page.goto(url)
                page.wait_for_function(pages.ALL_READY, timeout=60_000)
                loads.append(page.evaluate(TIMINGS))
                context.close()
        finally:
            browser.close()
    return loads


def measure_page(bench) -> None:
    """The `page` measure of bench/drive_bench.py: rows in its table, and each asset's size."""
    drive_url = bench.stack.drive_url
    cookies = [
        {"name": cookie.name, "value": cookie.value or "", "url": f"{drive_url}/"}
        for cookie in bench.browser.cookies
        if cookie.domain.startswith("localhost")
    ]
    folder = bench.seed["folders"]["tenk"]
    loads = first_loads(url=f"{drive_url}/folders/{folder}/", cookies=cookies, runs=max(bench.sizes.runs, 3))
    assets = loads[0]["assets"]
    if not assets:
        raise RuntimeError("the drive page loaded no CSS or JavaScript: is nginx serving /static/?")
    weight = sum(asset["encoded"] for asset in assets)
    for asset in sorted(assets, key=lambda asset: -asset["encoded"]):
        print(
            f"    {asset['path']}: {asset['encoded'] / 1000:.1f} kB ({asset['decoded'] / 1000:.1f} kB uncompressed),"
            f" fetched {asset['start']:.0f}-{asset['end']:.0f} ms"
        )
    print(
        f"  drive page CSS+JS: {len(assets)} files, {weight / 1000:.1f} kB compressed"
        f" ({sum(asset['decoded'] for asset in assets) / 1000:.1f} kB uncompressed)",
        flush=True,
    )
    busy = [sum(duration for start, duration in load["long_tasks"] if start < load["ready"]) for load in loads]
    print(f"    main-thread tasks over 50 ms before ready: {statistics.median(busy):.0f} ms", flush=True)
    interactive = [max(load["ready"], load["load"]) for load in loads]
    median = statistics.median(interactive)
    for name in ("response_start", "response_end", "dom_interactive", "dom_content_loaded", "load", "ready"):
        print(f"    {name}: {statistics.median(load[name] for load in loads):.0f} ms", flush=True)
    bench.row(
        "drive page first load: CSS+JS transferred (gzip, via nginx), vs budget",
        f"{weight / 1000:.1f} kB",
        f"{WEIGHT_BUDGET / 1000:.0f} kB",
        weight / WEIGHT_BUDGET,
        None,
        "< 1",
    )
    # The same page with half the rows: how much of the time the rows take.
    small = first_loads(url=f"{drive_url}/folders/{bench.seed['folders']['small']}/", cookies=cookies, runs=len(loads))
    print(
        f"    interactive with {small[0]['rows']} rows (a folder of 100):"
        f" {statistics.median(max(load['ready'], load['load']) for load in small):.0f} ms",
        flush=True,
    )
    bench.row(
        f"drive page interactive (all modules ready), folder of 10,000, empty cache ({loads[0]['rows']} rows), vs 1 s",
        f"{median:.0f} ms",
        f"{INTERACTIVE_TARGET_MS} ms",
        median / INTERACTIVE_TARGET_MS,
        None,
        "< 1",
    )
    if weight >= WEIGHT_BUDGET:
        raise RuntimeError(f"the drive page loads {weight / 1000:.1f} kB of CSS+JS, over {WEIGHT_BUDGET / 1000:.0f} kB")
