// A stand-in for the browser test (issue 14), until Debian's chromium drives the real pages:
// runs /mine's own script, fetched from a running `powlab serve`, in Node with a minimal fake
// DOM, Node's fetch, and worker_threads in place of Web Workers running /miner.js.
// Checks: no worker before Start; shares arrive after it; the throttle lowers the rate; Stop
// terminates every worker.
//   usage: node scripts/serve_pages_check.js http://127.0.0.1:8421 [NAME]
// Exit 0 when every check holds. Not run by ctest: CI has no Node.js (it is not a powlab dependency).
"use strict";
const vm = require("vm"), fs = require("fs"), os = require("os"), path = require("path");
const {Worker: NodeWorker} = require("worker_threads");
const base = process.argv[2] || "http://127.0.0.1:8421";
const miner = process.argv[3] || "nodecheck";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const page = await (await fetch(base + "/mine")).text();
  const script = page.split("<script>")[1].split("</script>")[0];
  const workerJs = await (await fetch(base + "/miner.js")).text();
  const workerFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "powlab-mine-")), "worker.js");
  fs.writeFileSync(workerFile, "const {parentPort} = require('worker_threads');\n" +
                   "globalThis.postMessage = (m) => parentPort.postMessage(m);\n" +
                   workerJs.replace(/^onmessage =/m, "globalThis.onmessage =") +
                   "\nparentPort.on('message', (d) => globalThis.onmessage({data: d}));\n");
  const els = {name: {value: miner}, workers: {value: "1"}, throttle: {value: "0"}};
  const el = (id) => els[id] || (els[id] = {textContent: "0", value: "", disabled: false});
  const made = [];
  class Worker {
    constructor() {
      this.w = new NodeWorker(workerFile);
      this.w.on("message", (m) => this.onmessage && this.onmessage({data: m}));
      made.push(this);
    }
    postMessage(m) { this.w.postMessage(m); }
    terminate() { this.terminated = true; this.w.terminate(); }
  }
  const ctx = {document: {getElementById: el}, fetch: (u, o) => fetch(base + u, o), Worker, performance,
               setInterval, clearInterval, console, encodeURIComponent, JSON, Math};
  vm.createContext(ctx);
  vm.runInContext(script, ctx);
  const fails = [];
  const check = (ok, what) => { console.log((ok ? "ok   " : "FAIL ") + what); if (!ok) fails.push(what); };

  await sleep(500);
  check(made.length === 0, "no worker before Start");
  await el("start").onclick();
  await sleep(4500);
  const full = parseFloat(el("rate").textContent);
  check(made.length === 1, "Start made one worker");
  check(+el("acc").textContent > 0, "shares accepted after Start: " + el("acc").textContent);
  els.throttle.value = "0.8";
  el("throttle").oninput();
  await sleep(4500);
  const throttled = parseFloat(el("rate").textContent);
  check(throttled < 0.5 * full, `throttle 0.8 lowers the rate: ${full} -> ${throttled} H/s`);
  el("stop").onclick();
  check(made.every((w) => w.terminated), "Stop terminated every worker");
  const stats = await (await fetch(base + "/api/stats")).json();
  check(stats.miners.some((m) => m.name === miner && m.shares > 0), "the dashboard's stats list the miner");
  process.exit(fails.length ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
