#!/usr/bin/env python3
"""pagewatch.py -- open a page in headless Chromium and report what it shows, without reloading it.

usage: pagewatch.py URL OUT [--seconds N] [--screenshot FILE] [--shot-when JS]

Drives Debian's chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
messages ending in NUL on fds 3 and 4; no websocket, no npm). Loads URL once, marks the document
(window.__pagewatch), then every 0.5 s evaluates what the topology page shows and appends it to
OUT as one JSON line: {"t": ms, "mark": the marker (the same value on every line = never
reloaded), "primary", "epoch", "nodes": [[name, role, state]...], "history": [[epoch, type, new,
outcome]...], "problems": [...], "err"}. With --screenshot, saves a PNG of the page at the first
sample where the JS expression --shot-when is true (default: at the end). Stops after N seconds
(default 60) or when OUT.stop exists. Exit 0, or 1 with a one-line reason.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time

SAMPLE_JS = r"""(() => {
  if (window.__pagewatch === undefined) window.__pagewatch = Math.random().toString(36).slice(2);
  const q = s => document.querySelector(s);
  const t = s => (q(s) ? q(s).textContent : null);
  return JSON.stringify({
    mark: window.__pagewatch, primary: t('#primary'), epoch: t('#epoch'), err: t('#err'),
    coordinator: t('#coordinator'),
    nodes: [...document.querySelectorAll('g.node')].map(g => [g.dataset.node, g.dataset.role, g.dataset.state]),
    arrows: [...document.querySelectorAll('line.repl')].map(l => [l.dataset.from, l.dataset.to]),
    history: [...document.querySelectorAll('#history tr')].map(r => [r.dataset.epoch, r.dataset.type, r.dataset.new, r.children[4] ? r.children[4].textContent : '']),
    problems: [...document.querySelectorAll('#problems li')].map(l => l.textContent)
  });
})()"""


def die(msg):
    print("pagewatch: " + msg, file=sys.stderr)
    sys.exit(1)


class Chrome:
    def __init__(self, tmp):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            die("chromium not found (Debian package chromium; scripts/install-deps installs it)")
        self.cmd_fifo, self.res_fifo = os.path.join(tmp, "cmd"), os.path.join(tmp, "res")
        os.mkfifo(self.cmd_fifo)
        os.mkfifo(self.res_fifo)
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--window-size=1100,760",
                "--user-data-dir=" + os.path.join(tmp, "profile"), "--remote-debugging-pipe",
                "about:blank"]
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
        self.proc = subprocess.Popen(
            ["bash", "-c", 'exec %s 3<"$1" 4>"$2"' % quoted, "_", self.cmd_fifo, self.res_fifo],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "chromium.log"), "w"),
            start_new_session=True)
        self.w = open(self.cmd_fifo, "wb", buffering=0)
        self.r = open(self.res_fifo, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0

    def call(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" not in self.buf:
                chunk = os.read(self.r.fileno(), 1 << 20)
                if not chunk:
                    die("chromium closed the DevTools pipe (see its log)")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    die("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
        die("%s: no answer within %d s" % (method, timeout))

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)


def main():
    a = sys.argv[1:]
    if len(a) < 2:
        die("usage: pagewatch.py URL OUT [--seconds N] [--screenshot FILE] [--shot-when JS]")
    url, out = a[0], a[1]
    seconds, shot, shot_when = 60.0, None, None
    i = 2
    while i < len(a):
        if a[i] == "--seconds" and i + 1 < len(a):
            seconds = float(a[i + 1]); i += 2
        elif a[i] == "--screenshot" and i + 1 < len(a):
            shot = a[i + 1]; i += 2
        elif a[i] == "--shot-when" and i + 1 < len(a):
            shot_when = a[i + 1]; i += 2
        else:
            die("unknown argument '%s' (allowed: --seconds N, --screenshot FILE, --shot-when JS)" % a[i])
    tmp = tempfile.mkdtemp(prefix="pagewatch.")
    c = Chrome(tmp)
    try:
        target = c.call("Target.createTarget", {"url": url})["targetId"]
        sess = c.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        loaded, deadline = False, time.time() + 30
        while not loaded and time.time() < deadline:
            r = c.call("Runtime.evaluate", {"expression": "document.readyState + ' ' + location.href",
                                            "returnByValue": True}, sess)
            state = r.get("result", {}).get("value") or ""
            loaded = state.startswith("complete ") and state.split(" ", 1)[1].startswith(url.split("#")[0])
            if not loaded:
                time.sleep(0.1)
        if not loaded:
            die("%s did not load within 30 s (last: %s)" % (url, state))
        end = time.time() + seconds
        shot_done = False
        with open(out, "a") as f:
            while time.time() < end and not os.path.exists(out + ".stop"):
                r = c.call("Runtime.evaluate", {"expression": SAMPLE_JS, "returnByValue": True}, sess)
                v = r.get("result", {}).get("value")
                if v:
                    rec = json.loads(v)
                    rec["t"] = int(time.time() * 1000)
                    f.write(json.dumps(rec) + "\n")
                    f.flush()
                if shot and not shot_done and shot_when:
                    w = c.call("Runtime.evaluate", {"expression": shot_when, "returnByValue": True}, sess)
                    if w.get("result", {}).get("value") is True:
                        png = c.call("Page.captureScreenshot", {"format": "png"}, sess)["data"]
                        open(shot, "wb").write(base64.b64decode(png))
                        shot_done = True
                time.sleep(0.5)
        if shot and not shot_done:
            png = c.call("Page.captureScreenshot", {"format": "png"}, sess)["data"]
            open(shot, "wb").write(base64.b64decode(png))
    finally:
        c.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
