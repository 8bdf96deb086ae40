/* eslint-disable */
// Loaded with `node --require` into the test process of the project under diagnosis (its own sandboxed child).
// Takes V8 precise coverage around each mocha test and writes one JSON line per finished test to
// $SH_COVERAGE_OUT: { fullTitle, state, error, stack, lines: { relPath: [line, ...] } }.
// It hooks mocha's Runner.emit when mocha loads it, so it needs no plugin API (old mochas have none) and works for any
// mocha from 1.x on: the events 'test', 'test end', 'pass', 'fail' have kept their names.
'use strict';
const inspector = require('inspector');
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { fileURLToPath } = require('url');

const out = process.env.SH_COVERAGE_OUT;
const root = fs.realpathSync(path.resolve(process.env.SH_COVERAGE_ROOT || process.cwd())) + path.sep;
if (out) {
  const session = new inspector.Session();
  session.connect();
  let ok = true;
  const post = (method, params) => {
    let result;
    let error;
    session.post(method, params, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result; // the same-thread session answers synchronously
  };
  try {
    post('Profiler.enable');
    post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  } catch (e) {
    ok = false;
    process.stderr.write('coverage-preload: ' + e.message + '\n');
  }

  const sources = new Map(); // path -> { probes: offsets of each line's first non-blank char, lineOf }
  function lineProbes(file) {
    let entry = sources.get(file);
    if (entry) return entry;
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {}
    const probes = [];
    const lines = [];
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i <= text.length; i++) {
      if (i === text.length || text.charCodeAt(i) === 10) {
        const s = text.slice(lineStart, i);
        const m = /\S/.exec(s);
        if (m) {
          probes.push(lineStart + m.index);
          lines.push(line);
        }
        lineStart = i + 1;
        line++;
      }
    }
    entry = { probes, lines };
    sources.set(file, entry);
    return entry;
  }
  function lowerBound(arr, x) {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  function inRepo(url) {
    if (!url.startsWith('file://') && !url.startsWith('/')) return null;
    let file;
    try {
      file = url.startsWith('file://') ? fileURLToPath(url) : url;
    } catch {
      return null;
    }
    if (!file.startsWith(root)) return null;
    const rel = file.slice(root.length);
    if (rel.split(path.sep).includes('node_modules')) return null;
    return { file, rel: rel.split(path.sep).join('/') };
  }
  function take() {
    if (!ok) return {};
    let res;
    try {
      res = post('Profiler.takePreciseCoverage');
    } catch {
      return {};
    }
    const lines = {};
    for (const script of res.result) {
      const where = inRepo(script.url);
      if (!where) continue;
      if (!script.functions.some((f) => f.ranges.some((r) => r.count > 0))) continue;
      const { probes, lines: lineNos } = lineProbes(where.file);
      const counts = new Array(probes.length).fill(0);
      // innermost range wins: apply ranges from the longest to the shortest
      const ranges = [];
      for (const f of script.functions) for (const r of f.ranges) ranges.push(r);
      ranges.sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
      for (const r of ranges) {
        const from = lowerBound(probes, r.startOffset);
        const to = lowerBound(probes, r.endOffset);
        for (let i = from; i < to; i++) counts[i] = r.count;
      }
      const hit = [];
      for (let i = 0; i < counts.length; i++) if (counts[i] > 0) hit.push(lineNos[i]);
      if (hit.length > 0) lines[where.rel] = hit;
    }
    return lines;
  }
  const fd = fs.openSync(out, 'a');
  function write(record) {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
  }
  function fullTitle(runnable) {
    try {
      return typeof runnable.fullTitle === 'function' ? runnable.fullTitle() : String(runnable.title);
    } catch {
      return String(runnable && runnable.title);
    }
  }

  let failure = null; // error of the running test, if it failed
  function patchRunner(Runner) {
    if (!Runner || !Runner.prototype || Runner.prototype.__shCoverage) return;
    Runner.prototype.__shCoverage = true;
    const emit = Runner.prototype.emit;
    Runner.prototype.emit = function (event, runnable, err) {
      try {
        if (event === 'test') {
          take(); // drop what ran before this test (module loading, earlier hooks)
          failure = null;
        } else if (event === 'fail') {
          failure = {
            error: err && err.message ? String(err.message).slice(0, 2000) : String(err).slice(0, 2000),
            stack: err && err.stack ? String(err.stack).slice(0, 8000) : '',
          };
          if (runnable && runnable.type === 'hook') {
            write({ fullTitle: fullTitle(runnable), state: 'failed', hook: true, ...failure, lines: take() });
          }
        } else if (event === 'test end') {
          const state = failure ? 'failed' : runnable && runnable.pending ? 'pending' : 'passed';
          write({ fullTitle: fullTitle(runnable), state, ...(failure || {}), lines: take() });
          failure = null;
        }
      } catch (e) {
        process.stderr.write('coverage-preload: ' + (e && e.message) + '\n');
      }
      return emit.apply(this, arguments);
    };
  }
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const exported = load.apply(this, arguments);
    try {
      const filename = Module._resolveFilename(request, parent, isMain);
      if (/[\\/]mocha[\\/]lib[\\/]runner\.js$/.test(filename)) patchRunner(exported);
    } catch {}
    return exported;
  };
}
