// What a reader of an HTML report sees: every chart output of an executed notebook must be in its
// report as a drawing (an <img> of the SVG with its marks), and — where Chromium is installed —
// must show on screen (the chart's region of a screenshot holds coloured pixels, not only grey text
// or white). Used by scripts/run-notebooks.js after each run and by test/project/reports.test.ts.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const zlib = require("node:zlib");
const { spawn, spawnSync } = require("node:child_process");

const CHART_MIME = "image/svg+xml";

/** The SVG of every chart output of a notebook (executed .ipynb JSON), in order. */
function chartOutputs(nb) {
  const charts = [];
  nb.cells.forEach((cell, index) => {
    for (const out of cell.outputs ?? []) {
      const svg = out.data?.[CHART_MIME];
      if (svg !== undefined) charts.push({ cell: index + 1, svg: Array.isArray(svg) ? svg.join("") : svg });
    }
  });
  return charts;
}

/**
 * The drawn items of an SVG made by vega: elements with geometry inside its data-mark groups
 * (`<g class="mark-rect role-mark …">` and the like; axes, grids and text labels do not count).
 */
function svgMarks(svg) {
  let items = 0;
  const group = /<g class="mark-(\w+) role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g;
  for (let m; (m = group.exec(svg)); ) {
    if (m[1] === "text" || m[1] === "group") continue;
    items += (m[2].match(/<(path|rect|circle|line)\b[^>]*?\s(d="M|width="[1-9]|r="[1-9]|x2=")/g) ?? []).length;
  }
  return items;
}

/** The SVG documents embedded as chart images in a report's HTML, in order. */
function reportCharts(html) {
  const re = /<img class="streamlab-chart"[^>]*?src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/g;
  const out = [];
  for (let m; (m = re.exec(html)); ) out.push(Buffer.from(m[1], "base64").toString("utf8"));
  return out;
}

/**
 * What is wrong with a report against its executed notebook: a chart output missing from the HTML,
 * or shown without its drawing. Empty when every chart is there with its marks.
 */
function checkReport(nb, html) {
  const problems = [];
  const expected = chartOutputs(nb);
  const shown = reportCharts(html);
  if (shown.length !== expected.length) {
    problems.push(`${expected.length} chart output(s) in the notebook, ${shown.length} chart image(s) in the report`);
  }
  expected.forEach((chart, i) => {
    if (svgMarks(chart.svg) === 0) problems.push(`cell ${chart.cell}: the chart output draws no marks`);
    else if (shown[i] === undefined) problems.push(`cell ${chart.cell}: the chart is not in the report`);
    else if (shown[i] !== chart.svg) problems.push(`cell ${chart.cell}: the report's chart differs from the output`);
    else if (svgMarks(shown[i]) === 0) problems.push(`cell ${chart.cell}: the report's chart draws no marks`);
  });
  return problems;
}

// ---- Chromium: a screenshot of a report and the place of each chart in it -------------------------

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];

/** The Chromium binary, or undefined when none is installed (STREAMLAB_CHROMIUM overrides). */
function findChromium() {
  const candidates = process.env.STREAMLAB_CHROMIUM ? [process.env.STREAMLAB_CHROMIUM] : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "google-chrome"];
  for (const c of candidates) {
    const r = spawnSync(c, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return undefined;
}

/** A DevTools Protocol session over --remote-debugging-pipe (NUL-separated JSON on fds 3 and 4). */
function devtools(child) {
  let next = 1;
  let buffered = "";
  const pending = new Map();
  const waiters = [];
  child.stdio[4].on("data", (chunk) => {
    buffered += chunk.toString("utf8");
    let end;
    while ((end = buffered.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { resolve, reject, method } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      } else if (msg.method) {
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].method === msg.method) waiters.splice(i, 1)[0].resolve();
      }
    }
  });
  return {
    send(method, params = {}, sessionId) {
      const id = next++;
      child.stdio[3].write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
    },
    event(method, timeoutMs) {
      return new Promise((resolve) => {
        // A page that never finishes loading still gets its screenshot after timeoutMs.
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push({ method, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/**
 * Opens `htmlPath` in headless Chromium at `width` CSS pixels, writes a full-page PNG to `pngPath`
 * and returns where each chart image sits on it (CSS pixels = PNG pixels at scale 1).
 */
async function screenshot(htmlPath, pngPath, { chromium = findChromium(), width = 1100, timeoutMs = 60000 } = {}) {
  if (!chromium) throw new Error("Chromium is not installed (apt-get install chromium).");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "streamlab-chromium-"));
  const child = spawn(chromium, [...CHROMIUM_FLAGS, "--hide-scrollbars", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank"], {
    stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stdio[2].on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const cdp = devtools(child);
    const failed = exited.then(() => {
      throw new Error(`Chromium exited before the screenshot: ${stderr.trim().split("\n").slice(-3).join(" ")}`);
    });
    const run = async () => {
      const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
      const page = (method, params) => cdp.send(method, params, sessionId);
      await page("Page.enable");
      // The lab template loads require.js and MathJax from a CDN; charts need neither, and an
      // offline machine would otherwise wait for each request to time out.
      await page("Network.enable");
      await page("Network.setBlockedURLs", { urls: ["http://*", "https://*"] });
      await page("Emulation.setDeviceMetricsOverride", { width, height: 800, deviceScaleFactor: 1, mobile: false });
      const loaded = cdp.event("Page.loadEventFired", 20000);
      await page("Page.navigate", { url: "file://" + path.resolve(htmlPath) });
      await loaded;
      const { result } = await page("Runtime.evaluate", {
        returnByValue: true,
        awaitPromise: true,
        expression: `(async () => {
          const imgs = [...document.querySelectorAll("img.streamlab-chart")];
          await Promise.all(imgs.map((i) => i.decode().catch(() => undefined)));
          return {
            height: Math.ceil(document.documentElement.scrollHeight),
            charts: imgs.map((i) => { const r = i.getBoundingClientRect();
              return { x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), width: Math.round(r.width), height: Math.round(r.height), loaded: i.naturalWidth > 0 }; }),
          };
        })()`,
      });
      const layout = result.value;
      await page("Emulation.setDeviceMetricsOverride", { width, height: layout.height, deviceScaleFactor: 1, mobile: false });
      const shot = await page("Page.captureScreenshot", { format: "png", captureBeyondViewport: true });
      fs.writeFileSync(pngPath, Buffer.from(shot.data, "base64"));
      await cdp.send("Browser.close").catch(() => undefined);
      return layout.charts;
    };
    return await Promise.race([run(), failed]);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
    // Chromium's helper processes may still be writing the profile for a moment after the browser
    // exits (ENOTEMPTY): retry, and never fail a screenshot that was taken over its temporary folder.
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (e) {
      process.emitWarning(`could not remove Chromium's temporary profile ${profile}: ${e.message}`);
    }
  }
}

// ---- PNG: enough of a decoder for Chromium's screenshots (8-bit RGB / RGBA, non-interlaced) -----------

function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG file");
  let pos = 8;
  let width = 0, height = 0, channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("ascii", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8], color = data[9], interlace = data[12];
      channels = { 2: 3, 6: 4 }[color];
      if (depth !== 8 || !channels || interlace !== 0) throw new Error(`unsupported PNG (bit depth ${depth}, colour type ${color}, interlace ${interlace})`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels: px };
}

/**
 * The pixels of a region that carry colour (channel spread above 60): vega's marks are coloured,
 * while text, axes and the page are grey or white. A blank or text-only chart region has none.
 */
function colouredPixels(png, { x, y, width, height }) {
  let n = 0;
  for (let j = Math.max(0, y); j < Math.min(png.height, y + height); j++) {
    for (let i = Math.max(0, x); i < Math.min(png.width, x + width); i++) {
      const o = (j * png.width + i) * png.channels;
      const r = png.pixels[o], g = png.pixels[o + 1], b = png.pixels[o + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
  }
  return n;
}

/** The least number of coloured pixels a chart region must show (a thin line over 500 px has ~1000). */
const MIN_COLOURED_PIXELS = 100;

/** Screenshots a report and says which chart regions are blank. Empty when every chart shows. */
async function checkScreenshot(htmlPath, pngPath, options) {
  const charts = await screenshot(htmlPath, pngPath, options);
  const png = decodePng(fs.readFileSync(pngPath));
  const problems = [];
  charts.forEach((c, i) => {
    if (!c.loaded || c.width === 0 || c.height === 0) problems.push(`chart ${i + 1}: the image did not load`);
    else {
      const n = colouredPixels(png, c);
      if (n < MIN_COLOURED_PIXELS) problems.push(`chart ${i + 1} at y=${c.y}: the region is blank (${n} coloured pixels)`);
    }
  });
  return { charts, problems };
}

module.exports = { chartOutputs, svgMarks, reportCharts, checkReport, findChromium, screenshot, decodePng, colouredPixels, checkScreenshot, MIN_COLOURED_PIXELS };
