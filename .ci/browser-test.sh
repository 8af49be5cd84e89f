#!/usr/bin/env bash
# Opens zipstream's development index in headless Chromium, through chromedriver's W3C WebDriver HTTP API (driven
# by python3 with the standard library only: no Selenium, no PyPI), and checks what a person would see and get:
#   - the service runs on the Jetty distribution (jetty-base/run.sh) with DEBUG=1, DELAY=0 and the sample storage;
#   - the index page at / shows the development-mode warning, and for each folder its name, file count and
#     human-readable size, and a "Download ZIP" link;
#   - no error in the browser console (but the 404 for /favicon.ico, which the page does not avoid);
#   - a screenshot of the page (1000x600) goes to docs/index-page.png (BROWSER_TEST_SCREENSHOT overrides the path);
#   - clicking the first "Download ZIP" link makes Chromium save archive.zip in the download folder set for the test
#     (polled with a deadline), which passes unzip -t and equals, byte for byte, what curl gets from the same URL;
#   - a link with name=Фото — лето 2026 is saved as "Фото — лето 2026.zip" (Content-Disposition filename*);
#   - the selection page of a signed link (tools/zipstream-sign, name Отбор): ticking 2.jpg and pressing the button
#     goes through the service's 303 to a link it signed, and Chromium saves Отбор.zip holding just 2.jpg; a
#     screenshot of that page goes to docs/browse-page.png (BROWSER_TEST_BROWSE_SCREENSHOT overrides the path).
#
# Builds no Java: needs target/zipstream.war (mvn -q package -DskipTests); JETTY_HOME defaults to
# target/jetty-home-12.1.12, unpacked with the pom's jetty-home profile when missing (as .ci/jetty-base-test.sh).
# Installs chromium and chromium-driver with apt-get when missing (about 290 MB; needs root then).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ci_init browser-test # BROWSER_TEST_KEEP=1 keeps the work folder

JETTY_HOME=${JETTY_HOME:-$project/target/jetty-home-12.1.12}
WAR=${ZIPSTREAM_WAR:-$project/target/zipstream.war}
SCREENSHOT=${BROWSER_TEST_SCREENSHOT:-$project/docs/index-page.png}
BROWSE_SCREENSHOT=${BROWSER_TEST_BROWSE_SCREENSHOT:-$project/docs/browse-page.png}
STORAGE=$project/sample-storage

jetty_pid=
driver_pid=
on_exit() {
  # chromedriver ends its Chromium when the session is deleted (the driver script does), or when it is stopped
  if [[ -n $driver_pid ]]; then stop_pid "$driver_pid"; fi
  if [[ -n $jetty_pid ]]; then stop_pid "$jetty_pid"; fi
}
show_logs() { tail_log 30 "$work/jetty.out"; tail_log 30 "$work/chromedriver.log"; }

# --- prerequisites -----------------------------------------------------------------------------------------------
# The real binary, not the /usr/bin/chromium wrapper: the wrapper adds flags and API keys from /etc/chromium.d.
CHROMIUM=${CHROMIUM:-/usr/lib/chromium/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}
if [[ ! -x $CHROMIUM || ! -x $CHROMEDRIVER ]]; then
  [[ $(id -u) == 0 ]] || die "chromium and chromium-driver are not installed, and installing them needs root"
  echo "installing chromium and chromium-driver, about 290 MB ($(elapsed) s)"
  apt_install chromium chromium-driver
  [[ -x $CHROMIUM && -x $CHROMEDRIVER ]] || die "no $CHROMIUM or $CHROMEDRIVER after apt-get install"
fi
require_tools java curl unzip python3 bc cmp
[[ -f $WAR ]] || die "no $WAR: build it first (mvn -q package -DskipTests)"
ensure_jetty_home "$JETTY_HOME"
echo "$("$CHROMIUM" --version 2>/dev/null | sed 's/ *$//'), $("$CHROMEDRIVER" --version 2>/dev/null | cut -d' ' -f1-2)"

# --- the service, with DEBUG=1 -----------------------------------------------------------------------------------
port=$(free_port)
mkdir -p "$work/downloads" "$work/profile"
SIGNING_KEYS="browser:browser-test-secret-0123456789abcdefgh"
start_jetty_base -u CHUNK_SIZE -u COMPRESSION -u MAX_DOWNLOADS -u LINKS -u BROWSE \
  PORT="$port" STORAGE_PATH="$STORAGE" DEBUG=1 DELAY=0 LOG_FILE="$work/archive.log" SIGNING_KEYS="$SIGNING_KEYS"
wait_for_jetty Jetty
check "the service runs with DEBUG=1 ($(elapsed) s)" grep -q 'zipstream started: .*DEBUG=true' "$work/archive.log"
base_url=http://127.0.0.1:$port
first_hash=$(ls "$STORAGE" | sort | head -n 1)
signed=$(SIGNING_KEYS=$SIGNING_KEYS python3 tools/zipstream-sign --base "$base_url" --lifetime 10m --name Отбор \
  "$first_hash")

# --- chromedriver ------------------------------------------------------------------------------------------------
driver_port=$(free_port)
"$CHROMEDRIVER" --port="$driver_port" --allowed-ips=127.0.0.1 --log-path="$work/chromedriver.log" \
  >"$work/chromedriver.out" 2>&1 &
driver_pid=$!
driver_ready() { curl -sf --max-time 2 "http://127.0.0.1:$driver_port/status" 2>/dev/null | grep -q '"ready": *true'; }
wait_until_up 20 "$driver_pid" "chromedriver exited during start" driver_ready \
  || die "chromedriver did not answer within 20 s"

# --- the browser: the page, the screenshot, the click ------------------------------------------------------------
# Prints "ok: ..." and "FAILED: ..." lines, counted here; "link: URL" names the link it clicked.
mkdir -p "$(dirname "$SCREENSHOT")"
set +e
python3 - "$driver_port" "$base_url" "$CHROMIUM" "$work/profile" "$work/downloads" "$SCREENSHOT" "$STORAGE" \
  "$signed" "$BROWSE_SCREENSHOT" >"$work/driver.out" 2>"$work/driver.err" <<'EOF'
import base64, json, os, struct, sys, time, urllib.error, urllib.parse, urllib.request, zipfile

driver_port, base_url, chromium, profile, downloads, screenshot, storage, signed, browse_shot = sys.argv[1:10]
wd = f"http://127.0.0.1:{driver_port}"


def say(line):
    print(line, flush=True)


def check(what, condition):
    say(("ok: " if condition else "FAILED: ") + what)
    return condition


def call(method, path, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(wd + path, data=data, method=method,
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.load(r)["value"]
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')[:500]}") from None


def human(n):  # the service's own rule: bytes below 1 KiB, then one decimal in KiB, MiB, ...
    if n < 1024:
        return f"{n} B"
    value, unit = float(n), -1
    units = ["KiB", "MiB", "GiB", "TiB"]
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.1f} {units[unit]}"


flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         f"--user-data-dir={profile}", "--window-size=1000,600", "--hide-scrollbars",
         "--force-device-scale-factor=1", "--lang=en-US"]
caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "pageLoadStrategy": "normal",
    "goog:chromeOptions": {
        "binary": chromium,
        "args": flags,
        "prefs": {"download.default_directory": downloads, "download.prompt_for_download": False,
                  "download.directory_upgrade": True, "safebrowsing.enabled": False},
    },
    "goog:loggingPrefs": {"browser": "ALL"},
}}}
session = call("POST", "/session", caps, timeout=90)
sid = session["sessionId"]
say(f"info: {session['capabilities'].get('browserName')} {session['capabilities'].get('browserVersion')}")
try:
    # Headless Chromium needs downloads allowed explicitly; the prefs above alone are not enough in every version.
    call("POST", f"/session/{sid}/goog/cdp/execute", {"cmd": "Browser.setDownloadBehavior", "params": {
        "behavior": "allow", "downloadPath": downloads, "eventsEnabled": True}})

    # --window-size counts the window's frame even in headless mode: pin the viewport (and the screenshot) instead.
    call("POST", f"/session/{sid}/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
        "width": 1000, "height": 600, "deviceScaleFactor": 1, "mobile": False}})

    call("POST", f"/session/{sid}/url", {"url": base_url + "/"})  # returns once the page has loaded
    page = call("POST", f"/session/{sid}/execute/sync", {"args": [], "script": """
        const rows = [...document.querySelectorAll('tbody tr')].map(tr => ({
            cells: [...tr.cells].map(td => td.innerText.trim()),
            links: [...tr.querySelectorAll('a')].map(a => ({text: a.innerText.trim(), href: a.href,
                                                            download: a.hasAttribute('download')}))}));
        const warn = document.querySelector('.warn');
        return {title: document.title, url: location.href, h1: (document.querySelector('h1') || {}).innerText,
                warning: warn ? warn.innerText : null,
                warningVisible: !!warn && warn.getBoundingClientRect().height > 0,
                headers: [...document.querySelectorAll('thead th')].map(th => th.innerText.trim()),
                rows: rows, width: window.innerWidth, height: window.innerHeight,
                scrollHeight: document.documentElement.scrollHeight};"""})
    say(f"info: page {page['url']!r}, title {page['title']!r}, viewport {page['width']}x{page['height']}, "
        f"content height {page['scrollHeight']}")
    check(f"the page title names the service ({page['title']!r})", "zipstream" in page["title"])
    check("the development-mode warning is shown",
          page["warningVisible"] and "Development mode" in (page["warning"] or "")
          and "DEBUG" in (page["warning"] or ""))
    check(f"the table has the columns Folder, Files, Size (got {page['headers']})",
          page["headers"][:3] == ["Folder", "Files", "Size"])

    expected = {}
    for name in sorted(os.listdir(storage)):
        folder = os.path.join(storage, name)
        if os.path.isdir(folder):
            files = [os.path.join(dp, f) for dp, _, fs in os.walk(folder) for f in fs]
            expected[name] = (len(files), human(sum(os.path.getsize(f) for f in files)))
    shown = {r["cells"][0]: r for r in page["rows"] if r["cells"]}
    check(f"the page lists exactly the {len(expected)} folders of the storage (got {sorted(shown)})",
          sorted(shown) == sorted(expected))
    for name, (count, size) in expected.items():
        row = shown.get(name)
        cells = row["cells"] if row else []
        check(f"{name}: {count} files shown (got {cells[1:2]})", cells[1:2] == [str(count)])
        check(f"{name}: size {size!r} shown (got {cells[2:3]})", cells[2:3] == [size])
        links = row["links"] if row else []
        check(f"{name}: a 'Download ZIP' link to /archive/{name}/",
              any(l["text"] == "Download ZIP" and l["href"] == f"{base_url}/archive/{name}/" for l in links))

    png = base64.b64decode(call("GET", f"/session/{sid}/screenshot"))
    with open(screenshot, "wb") as f:
        f.write(png)
    w, h = struct.unpack(">II", png[16:24]) if png[:8] == b"\x89PNG\r\n\x1a\n" else (0, 0)
    check(f"screenshot {w}x{h}, {len(png) // 1024} KiB (< 200 KiB), saved as {screenshot}",
          (w, h) == (1000, 600) and len(png) < 200 * 1024)

    link = call("POST", f"/session/{sid}/element",
                {"using": "xpath", "value": "(//a[normalize-space()='Download ZIP'])[1]"})
    element = next(iter(link.values()))
    href = call("GET", f"/session/{sid}/element/{element}/property/href")
    say(f"link: {href}")
    call("POST", f"/session/{sid}/element/{element}/click", {})
    # The download runs on; the shell polls the download folder. The session stays up until the file is there.
    deadline = time.monotonic() + 30
    target = os.path.join(downloads, "archive.zip")
    while time.monotonic() < deadline:
        names = os.listdir(downloads)
        if "archive.zip" in names and not any(n.endswith(".crdownload") for n in names):
            break
        time.sleep(0.1)
    names = sorted(os.listdir(downloads))
    say(f"info: download folder after the click: {names}")
    check("Chromium saved the download as archive.zip within 30 s", os.path.isfile(target))

    def saved(name, seconds=30):
        """Waits for downloads/NAME to be complete; returns its entry names, or None."""
        deadline = time.monotonic() + seconds
        path = os.path.join(downloads, name)
        while time.monotonic() < deadline:
            if os.path.isfile(path) and not any(n.endswith(".crdownload") for n in os.listdir(downloads)):
                with zipfile.ZipFile(path) as z:
                    if z.testzip() is None:
                        return sorted(z.namelist())
            time.sleep(0.1)
        say(f"info: download folder: {sorted(os.listdir(downloads))}")
        return None

    first_hash = sorted(expected)[0]
    first_files = sorted(os.listdir(os.path.join(storage, first_hash)))

    # The name a person's browser saves, from Content-Disposition's filename* (RFC 8187).
    named = f"{base_url}/archive/{first_hash}/?name=" + urllib.parse.quote("Фото — лето 2026")
    call("POST", f"/session/{sid}/execute/sync", {"args": [named], "script": """
        const a = document.createElement('a'); a.href = arguments[0]; a.textContent = 'named';
        document.body.appendChild(a); a.click();"""})
    entries = saved("Фото — лето 2026.zip")
    check(f"Chromium saved name=Фото — лето 2026 as 'Фото — лето 2026.zip' holding {first_files} (got {entries})",
          entries == first_files)

    # The selection page of a signed link: tick 2.jpg, press the button, follow the service's 303.
    call("POST", f"/session/{sid}/url", {"url": signed + "&browse"})
    boxes = call("POST", f"/session/{sid}/execute/sync", {"args": [], "script": """
        return [...document.querySelectorAll('input[type=checkbox]')].map(b => b.value);"""})
    check(f"the selection page offers every file of {first_hash[:8]} ({boxes})", sorted(boxes) == first_files)
    box = call("POST", f"/session/{sid}/element", {"using": "css selector", "value": "input[type=checkbox][value='2.jpg']"})
    call("POST", f"/session/{sid}/element/{next(iter(box.values()))}/click", {})
    png = base64.b64decode(call("GET", f"/session/{sid}/screenshot"))
    with open(browse_shot, "wb") as f:
        f.write(png)
    check(f"screenshot of the selection page with 2.jpg ticked, {len(png) // 1024} KiB, saved as {browse_shot}",
          png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 200 * 1024)
    button = call("POST", f"/session/{sid}/element", {"using": "css selector", "value": "#download"})
    call("POST", f"/session/{sid}/element/{next(iter(button.values()))}/click", {})
    entries = saved("Отбор.zip")
    check(f"ticking 2.jpg and pressing the button saves Отбор.zip holding just 2.jpg (got {entries})",
          entries == ["2.jpg"])

    try:
        entries = call("POST", f"/session/{sid}/se/log", {"type": "browser"})
    except RuntimeError as e:
        entries = []
        say(f"info: no browser log ({e})")
    for e in entries:
        say(f"console: {e.get('level')} {e.get('message')}")
    # The page names no icon, so Chromium asks for /favicon.ico and logs the service's 404: known, not a failure.
    problems = [e for e in entries if e.get("level") == "SEVERE" and "/favicon.ico " not in e.get("message", "")]
    check(f"no error in the browser console but the favicon's 404 ({len(problems)} other SEVERE)", not problems)
finally:
    call("DELETE", f"/session/{sid}")
EOF
driver_rc=$?
set -e
while IFS= read -r line; do
  case $line in
    ok:*) ok "${line#ok: }" ;;
    FAILED:*) bad "${line#FAILED: }" ;;
    *) echo "$line" ;;
  esac
done <"$work/driver.out"
if (( driver_rc != 0 )); then
  cat "$work/driver.err" >&2
  die "the WebDriver script failed (exit code $driver_rc)"
fi

# --- the downloaded file ------------------------------------------------------------------------------------------
href=$(sed -n 's/^link: //p' "$work/driver.out")
[[ -n $href ]] || die "the WebDriver script did not name the link it clicked"
[[ -f $work/downloads/archive.zip ]] || die "no archive.zip in the download folder"
check "the index is at /archive/ and the root sends the browser there" \
  bash -c "test \"\$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' '$base_url/')\" = '303 $base_url/archive/'"
check "the browser's archive.zip passes unzip -t" bash -c "unzip -tq '$work/downloads/archive.zip' >/dev/null"
status=$(curl -sS -o "$work/curl.zip" -w '%{http_code}' --max-time 60 "$href") || status=error
check "curl gets the same URL, $href (status $status)" test "$status" = 200
check "the browser's archive.zip equals curl's download byte for byte ($(stat -c %s "$work/downloads/archive.zip") bytes)" \
  cmp -s "$work/downloads/archive.zip" "$work/curl.zip"
check "the request log shows Chromium's request and curl's" \
  bash -c "grep -h 'GET ${href#"$base_url"} ' '$work'/requestlog/*.request.log | grep -q 'HeadlessChrome' \
    && grep -h 'GET ${href#"$base_url"} ' '$work'/requestlog/*.request.log | grep -q 'curl/'"

finish
