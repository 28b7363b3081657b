// The two pages of `powlab serve` (issue 14) and the miner's Web Worker, as text served from
// memory: the binary is the whole server, nothing to install beside it.
//
// /mine is the opt-in miner. Its ethics, in code: the text says what will happen before any
// script hashes; the workers are created only by the Start button's handler, after a name is
// entered; Stop terminates them (Worker.terminate, which a busy worker cannot ignore); there is
// no service worker and no storage (localStorage, cookies, IndexedDB), so nothing restarts it
// after the tab closes. The server adds X-Frame-Options: DENY and CSP frame-ancestors 'none'.
#pragma once

namespace powlab::cli {

inline constexpr char kMinePage[] = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>powlab lab pool: mine</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.4}
.box{border:1px solid #888;padding:1em;margin:1em 0}button{font-size:1.1em;padding:.3em 1em}
#stats span{font-weight:bold}</style></head><body>
<h1>Mine for the lab chain</h1>
<div class="box" id="consent">
<p><b>What this page does, before it does anything:</b> when you press <b>Start</b>, your
computer's CPU will compute SHA-256 hashes for <b>this classroom's lab chain</b> (a powlab
chain that exists only on the trainer's computer, worth nothing), and send the results to
this server. This is what Coinhive's script did on web sites in 2017-2019, usually without
asking the visitor. Here you are asked.</p>
<p>The <b>throttle</b> is Coinhive's: the fraction of time the miner stays <i>idle</i>
(0 = full speed, 0.9 = idle 90% of the time). <b>Stop</b> stops it at once; closing the tab
stops it for good. Nothing is stored in your browser and nothing runs after the tab closes.</p>
</div>
<p><label>Your name (letters, digits, . _ -): <input id="name" maxlength="32"></label></p>
<p><label>Workers: <input id="workers" type="number" min="1" max="16" value="1"></label>
<label>Throttle (fraction idle): <input id="throttle" type="range" min="0" max="0.95" step="0.05" value="0">
<output id="tval">0</output></label></p>
<p><button id="start">Start</button> <button id="stop" disabled>Stop</button> <span id="msg"></span></p>
<div id="stats">state <span id="state">stopped</span> · rate <span id="rate">0 H/s</span> ·
shares accepted <span id="acc">0</span> · refused <span id="ref">0</span> · blocks <span id="blk">0</span></div>
<p><a href="/">the dashboard</a></p>
<script>
"use strict";
let workers = [], job = null, name = "", hashes = 0, since = 0, timer = null, running = false;
const $ = (id) => document.getElementById(id);
const setText = (id, v) => { $(id).textContent = v; };
$("throttle").oninput = () => { setText("tval", $("throttle").value); for (const w of workers) w.postMessage({throttle: +$("throttle").value}); };
function stopAll(why) {
  running = false;
  for (const w of workers) w.terminate();
  workers = [];
  if (timer) clearInterval(timer);
  timer = null;
  $("start").disabled = false; $("stop").disabled = true;
  setText("state", "stopped"); setText("rate", "0 H/s");
  if (why) setText("msg", why);
}
// One work request at a time: every share of an old job is refused, and asking for work once
// per refusal would flood the server (and forget the new jobs: it keeps 8 per miner).
let fetching = false;
async function newJob() {
  if (fetching) return;
  fetching = true;
  try {
    const r = await fetch("/api/work?miner=" + encodeURIComponent(name));
    const j = await r.json();
    if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
    if (!running) return;
    job = j;
    workers.forEach((w, k) => w.postMessage({job: j, start: k, stride: workers.length}));
  } finally {
    fetching = false;
  }
}
async function submit(nonce, jobId) {
  if (!running || !job || jobId !== job.job_id) return;  // a share of a replaced job counts for nothing
  const r = await fetch("/api/share", {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify({miner: name, job_id: jobId, nonce: nonce})});
  const a = await r.json().catch(() => ({}));
  if (a.accepted) setText("acc", +$("acc").textContent + 1); else setText("ref", +$("ref").textContent + 1);
  if (a.block) setText("blk", +$("blk").textContent + 1);
  if (running && job && jobId === job.job_id && (a.block || a.reason === "stale-job" || a.reason === "unknown-job")) await newJob();
}
$("start").onclick = async () => {
  name = $("name").value.trim();
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) { setText("msg", "enter a name first (1-32 letters, digits, . _ -)"); return; }
  const n = Math.max(1, Math.min(16, +$("workers").value || 1));
  running = true; hashes = 0; since = performance.now();
  $("start").disabled = true; $("stop").disabled = false; setText("msg", ""); setText("state", "mining");
  for (let k = 0; k < n; ++k) {
    const w = new Worker("/miner.js");
    w.onmessage = (e) => {
      if (e.data.hashes) hashes += e.data.hashes;
      if (e.data.nonce !== undefined) submit(e.data.nonce, e.data.job_id).catch((err) => stopAll("stopped: " + err.message));
    };
    w.postMessage({throttle: +$("throttle").value});
    workers.push(w);
  }
  timer = setInterval(() => {
    const s = (performance.now() - since) / 1000;
    setText("rate", (s > 0 ? hashes / s : 0).toFixed(0) + " H/s");
    hashes = 0; since = performance.now();
    if (running) newJob().catch((err) => stopAll("stopped: " + err.message));  // another miner's block makes ours stale
  }, 2000);
  try { await newJob(); } catch (err) { stopAll("stopped: " + err.message); }
};
$("stop").onclick = () => stopAll("stopped");
</script></body></html>
)HTML";

// The Web Worker: sha256d of the 80-byte header for nonces start, start + stride, ...; posts
// each nonce whose hash is at or below the share target, and its hash count every ~0.25 s.
// Throttle: of every 100 ms it hashes 100 x (1 - throttle) ms and sleeps the rest.
inline constexpr char kMinerJs[] = R"JS("use strict";
const K = new Uint32Array([
0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
const IV = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
const W = new Uint32Array(64);
const rotr = (x, n) => (x >>> n) | (x << (32 - n));
// One compression of the 16 big-endian words in W[0..15] into state s (8 words).
function compress(s) {
  for (let t = 16; t < 64; ++t) {
    const a = W[t - 15], b = W[t - 2];
    W[t] = W[t - 16] + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + W[t - 7] + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10));
  }
  let [a, b, c, d, e, f, g, h] = s;
  for (let t = 0; t < 64; ++t) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  s[0] = (s[0] + a) | 0; s[1] = (s[1] + b) | 0; s[2] = (s[2] + c) | 0; s[3] = (s[3] + d) | 0;
  s[4] = (s[4] + e) | 0; s[5] = (s[5] + f) | 0; s[6] = (s[6] + g) | 0; s[7] = (s[7] + h) | 0;
}
let words = null, mid = null, target = null, jobId = "", next = 0, stride = 1, throttle = 0, busy = false;
const bswap = (x) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
// sha256d(header with nonce n); returns the 8 state words of the second hash.
function hash(n) {
  const s1 = mid.slice();
  for (let i = 0; i < 3; ++i) W[i] = words[16 + i];
  W[3] = bswap(n); W[4] = 0x80000000;
  for (let i = 5; i < 15; ++i) W[i] = 0;
  W[15] = 640;
  compress(s1);
  for (let i = 0; i < 8; ++i) W[i] = s1[i];
  W[8] = 0x80000000;
  for (let i = 9; i < 15; ++i) W[i] = 0;
  W[15] = 256;
  const s2 = IV.slice();
  compress(s2);
  return s2;
}
// The hash as a 256-bit little-endian number against the target's big-endian words.
function meets(s) {
  for (let i = 7; i >= 0; --i) {
    const v = bswap(s[i]) >>> 0;
    if (v !== target[7 - i]) return v < target[7 - i];
  }
  return true;
}
function work() {
  if (!words) { busy = false; return; }
  busy = true;
  const until = performance.now() + 100 * (1 - throttle);
  let done = 0;
  while (performance.now() < until) {
    for (let k = 0; k < 256; ++k) {
      const n = next >>> 0;
      if (meets(hash(n))) postMessage({nonce: n, job_id: jobId});
      next += stride;
    }
    done += 256;
  }
  postMessage({hashes: done});
  setTimeout(work, 100 * throttle);
}
onmessage = (e) => {
  if (e.data.throttle !== undefined) throttle = Math.min(0.95, Math.max(0, e.data.throttle));
  if (e.data.job) {
    const hex = e.data.job.header_hex;
    words = new Uint32Array(20);
    for (let i = 0; i < 20; ++i) words[i] = parseInt(hex.substr(8 * i, 8), 16);
    for (let i = 0; i < 16; ++i) W[i] = words[i];
    mid = IV.slice();
    compress(mid);
    target = new Uint32Array(8);
    for (let i = 0; i < 8; ++i) target[i] = parseInt(e.data.job.share_target.substr(8 * i, 8), 16);
    jobId = e.data.job.job_id; next = e.data.start; stride = e.data.stride;
    if (!busy) work();
  }
};
)JS";

inline constexpr char kDashboardPage[] = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>powlab lab pool</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #aaa;padding:.2em .6em;text-align:right}th{background:#eee}
.big{font-size:1.6em}</style></head><body>
<h1>powlab lab pool</h1>
<p class="big">height <b id="height">-</b> · blocks found <b id="blocks">0</b> · shares <b id="accepted">0</b>
· pool's cut (<span id="fee">-</span>%) <b id="cut">0</b> coins</p>
<p>tip <code id="tip">-</code></p>
<table><thead><tr><th>miner</th><th>hash rate</th><th>shares</th><th>blocks</th><th>credited (coins)</th></tr></thead>
<tbody id="miners"></tbody></table>
<p>refused: <span id="refused">none</span></p>
<h2>Recent blocks</h2><ol id="recent"></ol>
<h2>Fork tree</h2><p id="tree-msg"></p><img id="tree" hidden alt="the lab chain's fork tree" style="max-width:100%">
<p>Join: open <a href="/mine">/mine</a> in a browser, or run <code>powlab mine --pool URL --miner NAME</code>.</p>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const coins = (u) => (u / 1e8).toFixed(8);
const rate = (h) => !(h > 0) ? "under 3 shares" : h >= 1e6 ? (h / 1e6).toFixed(2) + " MH/s" : h >= 1e3 ? (h / 1e3).toFixed(2) + " kH/s" : h.toFixed(0) + " H/s";
function show(s) {
  $("height").textContent = s.height; $("blocks").textContent = s.blocks; $("accepted").textContent = s.accepted;
  $("fee").textContent = s.fee; $("cut").textContent = coins(s.pool_cut); $("tip").textContent = s.tip || "-";
  const body = $("miners");
  body.textContent = "";
  for (const m of s.miners) {
    const tr = document.createElement("tr");
    for (const v of [m.live === false ? m.name + " (idle)" : m.name, rate(m.hashes_per_second), m.shares, m.blocks, coins(m.credited)]) {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  const ol = $("recent");
  ol.textContent = "";
  for (const b of s.recent_blocks) {
    const li = document.createElement("li");
    li.textContent = "height " + b.height + " by " + b.miner + ": " + b.hash;
    ol.appendChild(li);
  }
  const r = Object.entries(s.refused).map(([k, v]) => v + " " + k).join(", ");
  $("refused").textContent = r || "none";
  tree(s.tip);
}
// The fork tree, fetched again only when the tip moves (the server redraws it only then). No
// picture (no blocks yet, or no Graphviz on the server): the reason is shown instead.
let treeTip = null;
function tree(tip) {
  if (tip === treeTip) return;
  treeTip = tip;
  fetch("/tree.svg").then(async (r) => {
    const img = $("tree");
    if (r.ok) {
      if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(await r.blob());
      img.hidden = false; $("tree-msg").textContent = "";
    } else {
      const j = await r.json().catch(() => ({}));
      img.hidden = true; $("tree-msg").textContent = j.error || ("no fork tree: HTTP " + r.status);
    }
  }).catch((e) => { $("tree-msg").textContent = "no fork tree: " + e.message; });
}
// Live: Server-Sent Events; if the server has no room for another stream, poll.
const es = new EventSource("/api/events");
es.onmessage = (e) => show(JSON.parse(e.data));
es.onerror = () => { es.close(); setInterval(() => fetch("/api/stats").then((r) => r.json()).then(show), 2000); };
fetch("/api/stats").then((r) => r.json()).then(show);
</script></body></html>
)HTML";

}  // namespace powlab::cli
