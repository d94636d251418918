"""The notebooks a user starts from, run in JupyterLab in a real browser (headless Chromium driven by Playwright).

nbdev's runner never renders anything: a figure that shows as `<Figure size ...>` text, a widget that does not draw
or a screenful of TensorFlow's start-up log on stderr all pass it. Here JupyterLab runs from this environment on
127.0.0.1 over a copy of `nbs/` (so the notebooks in the repository are never saved over), each notebook is opened,
"Run All Cells" is executed through JupyterLab's own command, and what the page then shows is checked: no error output,
nothing on stderr (and no TensorFlow C++ log on the kernel's own stderr), every figure a decoded image, and the
`show_examples` and `show_mixtures` menus change the text they show when another entry is chosen. JupyterLab runs
without the settings the test harness adds (TF_CPP_MIN_LOG_LEVEL, MPLBACKEND, ...), as a user's would, except its
compile settings (tests/conftest.py: how fast XLA builds a program, not what it computes). Every wait is on
JupyterLab's state (the server's status, the command's promise, the kernel, the DOM), never a fixed sleep.
Screenshots of each notebook's first screen, of every figure cell and of each menu before and after the click go to
`browser_screenshots/` (or `$FLAN_NB_SCREENSHOTS`).

The browser is Debian's `chromium` package (`make test` installs it); Playwright's Python client drives it without a
browser download of its own."""
import json, os, re, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from conftest import compile_env
from flan_nb.catalog import get_collection

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("FLAN_NB_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("FLAN_NB_SCREENSHOTS", ROOT / "browser_screenshots"))
# The notebooks a user starts from, and the ones whose figures must show. 09_demo runs its fast variant.
NOTEBOOKS = ["index", "01_templates", "09_demo", "10_figures", "11_experiments"]
# The widgets to click: (the call that shows one, the menu option to choose, text shown before, text shown after).
_EXAMPLES = ("show_examples(", 3, "example 0, template 0", "example 0, template 3")
_MIXTURES = ("show_mixtures(", 3, "held out: nli", f"held out: {list(get_collection('flan').clusters)[3]}")
MENUS = {"index": (_EXAMPLES, _MIXTURES), "01_templates": (_EXAMPLES,)}
MIN_FIGURES = {"index": 1, "09_demo": 2, "10_figures": 9, "11_experiments": 1}   # so a lost figure cell is noticed
# TensorFlow's C++ log lines (absl format), which the kernel writes to its file descriptor 2: JupyterLab's terminal.
TF_LOG = re.compile(r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ \S+\.cc:\d+\]|WARNING: All log messages before absl::InitializeLog)", re.M)
RUN_TIMEOUT_S = 900
# Chromium's flags for this machine: no sandbox as root, and no background connections (the network is closed).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
# Settings a user's environment does not have: the test harness and the Makefile set them, JupyterLab must do without.
NOT_A_USERS = ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "XLA_FLAGS", "PYTHONWARNINGS", "JAX_PLATFORMS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "A JupyterLab server over a copy of nbs/, the way a user starts it; (base URL, token, path of its log)."
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test` (it installs Debian's chromium package) "
                    "or `apt-get install chromium`, or set FLAN_NB_CHROMIUM", pytrace=False)
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "nbs", work / "nbs", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_*.ipynb"))
    env = {k: v for k, v in os.environ.items() if k not in NOT_A_USERS}
    env.update(compile_env())                                         # how fast XLA compiles, not what a notebook shows
    for d in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        env[d] = str(work / d.lower())                                 # no settings of the machine's user
    news = work / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))   # no "get news?" pop-up over the page
    port, token = _free_port(), secrets.token_hex(16)
    log = open(work / "jupyterlab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--allow-root",
                             f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True"],
                            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:                                                       # the server's own status endpoint answers
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{(work / 'jupyterlab.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200: break
        except OSError: pass
        if time.monotonic() > deadline: proc.kill(); pytest.fail("JupyterLab did not answer within 120 s")
        time.sleep(0.2)
    yield base, token, work / "jupyterlab.log"
    proc.terminate()
    try: proc.wait(20)
    except subprocess.TimeoutExpired: proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


# Runs in the page: open the notebook's session, wait for its kernel, and start every cell with JupyterLab's own
# command. Its promise settles when the last cell has run or one has failed; `window.flanRun` records how.
RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.restored;
  const panel = app.shell.currentWidget;
  app.shell.collapseLeft();                          // the file browser off: the notebook gets the width
  await panel.context.ready;
  await panel.sessionContext.ready;
  window.flanRun = null;
  app.commands.execute('notebook:run-all-cells').then(ok => { window.flanRun = {ok}; },
                                                      e => { window.flanRun = {ok: false, error: String(e)}; });
}"""
# Each cell as the notebook model holds it after the run: its source, execution count and outputs (MIME types, text).
CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets.map((c, i) => ({
  index: i, type: c.model.type, source: c.model.sharedModel.getSource(),
  count: c.model.type === 'code' ? c.model.executionCount : null,
  outputs: c.model.type !== 'code' ? [] : c.model.outputs.toJSON().map(o => ({
    type: o.output_type, name: o.name || null, mimes: Object.keys(o.data || {}),
    text: (o.text || (o.data && o.data['text/plain']) || o.evalue || '').toString().slice(0, 2000)}))}))"""


def _open_and_run(page, lab, name):
    "Open `name` in JupyterLab, run all its cells (at most RUN_TIMEOUT_S), and return (finished, cells)."
    base, token, _ = lab
    page.goto(f"{base}/lab/workspaces/test-{name}/tree/nbs/{name}.ipynb?reset&token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.content && window.jupyterapp.shell.currentWidget.sessionContext")
    page.evaluate(RUN_ALL)
    page.wait_for_function("() => window.flanRun !== null", timeout=RUN_TIMEOUT_S * 1000, polling=500)
    return page.evaluate("() => window.flanRun"), page.evaluate(CELLS)


def _shut_down(page):
    "Stop the notebook's kernel (the server keeps it otherwise), if the page got as far as having one."
    try: page.evaluate("async () => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                       " if (p && p.sessionContext) await p.sessionContext.shutdown(); }")
    except Exception: pass


def _cell(page, i):
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(i)


def _first_screen(page):
    "Scroll the notebook back to its top, and wait until its first cell is drawn there."
    page.evaluate("async () => { const nb = window.jupyterapp.shell.currentWidget.content; nb.activeCellIndex = 0;"
                  " await nb.scrollToItem(0, 'start'); }")
    page.wait_for_function("""() => { const c = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
        const r = c && c.getBoundingClientRect(); return r && r.height > 0 && r.top >= 0 && r.top < 200 && c.innerText.trim().length > 0; }""")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _check_menu(page, cells, name, call, option, before, after):
    "The widget shown by the cell that makes `call` draws, and choosing `option` in its menu changes its text."
    from playwright.sync_api import expect
    shown = [c["index"] for c in cells if call in c["source"]
             and any("application/vnd.jupyter.widget-view+json" in o["mimes"] for o in c["outputs"])]
    assert shown, f"{name}: the cell with {call} shows no widget (it should draw a picker in a kernel)"
    cell = _cell(page, shown[0])
    cell.scroll_into_view_if_needed()
    menu, text = cell.locator(".widget-dropdown select").first, cell.locator(".widget-output").first
    expect(menu).to_be_visible()
    expect(text).to_contain_text(before)
    shown_before = text.inner_text()
    tag = call.strip("(")
    cell.screenshot(path=str(SHOTS / f"{name}.{tag}-before.png"))
    menu.select_option(index=option)
    expect(text).to_contain_text(after)
    assert text.inner_text() != shown_before
    cell.screenshot(path=str(SHOTS / f"{name}.{tag}-after.png"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_browser(browser, lab, name):
    log = lab[2]
    log_start = log.stat().st_size
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(120_000)
    page_errors = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try: _check_notebook(page, lab, name, log, log_start, page_errors)
    finally:
        _shut_down(page)
        page.close()


def _check_notebook(page, lab, name, log, log_start, page_errors):
    run, cells = _open_and_run(page, lab, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.cells.json").write_text(json.dumps(cells, indent=1))
    _first_screen(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"))                   # the notebook's first screen, after running
    errors = [(c["index"], o["text"][:300]) for c in cells for o in c["outputs"] if o["type"] == "error"]
    assert not errors, f"{name}: error outputs in cells {errors}"
    assert run["ok"], f"{name}: Run All Cells did not finish: {run}"
    unrun = [c["index"] for c in cells if c["type"] == "code" and c["source"].strip() and c["count"] is None]
    assert not unrun, f"{name}: cells never ran: {unrun}"
    stderr = [(c["index"], o["text"][:500]) for c in cells for o in c["outputs"] if o["type"] == "stream" and o["name"] == "stderr"]
    assert not stderr, f"{name}: stderr output (noise a user should not see): {stderr}"
    with open(log, errors="replace") as f: f.seek(log_start); kernel_fd2 = f.read()
    assert not TF_LOG.search(kernel_fd2), f"{name}: TensorFlow's C++ log reached the kernel's stderr:\n{kernel_fd2[-2000:]}"
    figure_text = [(c["index"], o["text"]) for c in cells for o in c["outputs"]
                   if "image/png" not in o["mimes"] and o["text"].startswith("<Figure size")]
    assert not figure_text, f"{name}: figures shown as text, not as pictures: {figure_text}"
    figures = [c["index"] for c in cells if any("image/png" in o["mimes"] for o in c["outputs"])]
    assert len(figures) >= MIN_FIGURES.get(name, 0), f"{name}: {len(figures)} figure cells, expected {MIN_FIGURES[name]}"
    for i in figures:
        cell = _cell(page, i)
        cell.scroll_into_view_if_needed()
        img = cell.locator(".jp-OutputArea-output img").first
        img.wait_for(state="visible")
        page.wait_for_function("img => img.complete && img.naturalWidth > 100 && img.naturalHeight > 100", arg=img.element_handle())
        cell.screenshot(path=str(SHOTS / f"{name}.cell{i:02d}.png"))
    for menu in MENUS.get(name, ()): _check_menu(page, cells, name, *menu)
    assert not page_errors, f"{name}: errors in the page: {page_errors}"
