/* gateway-planner what-if, the evaluation: unpack the journeys and re-run evaluate.py.
 *
 * The payload's `whatif` part carries every cell-site journey of every customer group and mode
 * (packed by report/_whatif_codec.py: minutes in hundredths rounded up, tie ranks that keep the
 * evaluation's exact order, deflated and base64-encoded), the visits and people of every cell
 * and group. compute() repeats gateway_planner.evaluate.evaluate for a set of open sites:
 *  - each cell's visits of each group go to the open site that group reaches fastest, ties to
 *    the first open site in site order (evaluate's argmin);
 *  - the figures of all groups (weighted by visits; unreachable journeys count as not within;
 *    the weighted quantile, worst-tenth mean and Gini of evaluate.py), the visits and load of
 *    each site, each cell's main site (catchments) and mean journey;
 *  - by mode: each group's visits split between the modes of its mix that reach the chosen
 *    site, the figures of all groups by mode and each cell's mean journey by mode (the reach
 *    bands).
 * The page (whatif.js) draws what it returns.
 */
(function () {
  "use strict";

  /* ---------- unpacking ---------- */

  function bytesOf(text) {
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser has no DecompressionStream"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer();
  }

  function unzig(u) { return u % 2 === 0 ? u / 2 : -(u + 1) / 2; }

  /* A matrix of whole numbers, site by site (site * cells + cell). */
  function readCodes(buffer, a, cells) {
    var n = a.bytes / a.planes;
    var planes = new Uint8Array(buffer, a.offset, a.bytes);
    var out = new Float64Array(n);
    var scale = 1;
    for (var k = 0; k < a.planes; k++) {
      var base = k * n;
      for (var i = 0; i < n; i++) out[i] += planes[base + i] * scale;
      scale *= 256;
    }
    for (var j = 0; j < n; j++) out[j] = unzig(out[j]);
    if (a.delta) {
      for (var s = 0; s < n; s += cells) {
        var acc = 0;
        for (var c = 0; c < cells; c++) { acc += out[s + c]; out[s + c] = acc; }
      }
    }
    return out;
  }

  function decode(w, buffer) {
    var C = w.cells, S = w.sites, G = w.groups.length, M = w.modes.length, N = C * S;
    var byName = {};
    w.arrays.forEach(function (a) { byName[a.name] = a; });
    function floats(name) {
      var a = byName[name];
      return new Float64Array(buffer.slice(a.offset, a.offset + a.bytes));
    }
    var E = { C: C, S: S, G: G, M: M, unit: w.unit, weights: floats("weights"),
              people: floats("people"), modeQ: [], q: [], key: [], maxQ: 0 };
    w.modes.forEach(function (mode) {
      var a = byName["mode:" + mode.key], codes = readCodes(buffer, a, C);
      var base = a.base === undefined ? null : E.modeQ[a.base];  // minutes saved over it
      var q = new Int32Array(N);
      for (var i = 0; i < N; i++) {
        if (!base) q[i] = codes[i] - 1;
        else q[i] = codes[i] === 0 ? -1 : base[i] - unzig(codes[i] - 1);
        if (q[i] > E.maxQ) E.maxQ = q[i];
      }
      E.modeQ.push(q);
    });
    w.arrays.forEach(function (a) {
      if (a.name.indexOf("group:") !== 0) return;
      var codes = readCodes(buffer, a, C);
      var ties = readCodes(buffer, byName["ties:" + a.name.slice(6)], C);
      var q = new Int32Array(N), key = new Float64Array(N), predict = a.predict;
      for (var i = 0; i < N; i++) {
        var code = codes[i];
        if (code === 0) { q[i] = -1; key[i] = Infinity; continue; }
        var guess = 0;
        if (predict) {  // the whole-number mix of the modes that reach the pair
          var num = 0, den = 0;
          for (var m = 0; m < M; m++) {
            var mq = E.modeQ[m][i];
            if (predict[m] && mq >= 0) { num += predict[m] * mq; den += predict[m]; }
          }
          if (den > 0) guess = Math.floor((num + Math.floor(den / 2)) / den);
        }
        q[i] = guess + unzig(code - 1);
        key[i] = q[i] * w.tie_base + ties[i];
        if (q[i] > E.maxQ) E.maxQ = q[i];
      }
      E.q[a.group] = q;
      E.key[a.group] = key;
    });
    // each cell's groups weighed by visits, by people where it has none, else equally
    var basis = new Float64Array(C * G);
    for (var c = 0; c < C; c++) {
      var sw = 0, sb = 0, g;
      for (g = 0; g < G; g++) sw += E.weights[c * G + g];
      for (g = 0; g < G; g++) {
        basis[c * G + g] = sw > 0 ? E.weights[c * G + g] : E.people[c * G + g];
        sb += basis[c * G + g];
      }
      if (!(sb > 0)) for (g = 0; g < G; g++) basis[c * G + g] = 1.0;
    }
    E.basis = basis;
    E.nominal = w.groups.map(function (mix) {
      var total = 0;
      mix.forEach(function (x) { total += x; });
      return mix.map(function (x) { return x / (total > 0 ? total : 1.0); });
    });
    E.bucketW = new Float64Array(E.maxQ + 1);
    E.bucketN = new Int32Array(E.maxQ + 1);
    return E;
  }

  /* ---------- the evaluation ---------- */

  /* Figures of journeys in hundredths `qa` (-1: unreachable), weighted by visits `va`, with
   * people `pa` (evaluate._stats), over `limits` minutes. */
  function stats(E, qa, va, pa, limits) {
    var n = qa.length, unit = E.unit, bw = E.bucketW, bn = E.bucketN;
    var people = 0, visits = 0, unP = 0, unV = 0, vr = 0, mv = 0, lo = Infinity, hi = -1;
    var longest = -1, L = limits.length, within = new Float64Array(L), pin = new Float64Array(L);
    var caps = limits.map(function (t) { return t * unit; });
    bw.fill(0);
    bn.fill(0);
    for (var i = 0; i < n; i++) {
      var q = qa[i], v = va[i], p = pa[i];
      people += p;
      visits += v;
      if (q < 0) { unP += p; unV += v; continue; }
      vr += v;
      mv += q * v;
      bw[q] += v;
      bn[q]++;
      if (q < lo) lo = q;
      if (q > hi) hi = q;
      if (v > 0 && q > longest) longest = q;
      for (var k = 0; k < L; k++) if (q <= caps[k]) { within[k] += v; pin[k] += p; }
    }
    var out = { people: people, visits: visits, unreachable_people: unP,
                unreachable_visits: unV };
    limits.forEach(function (t, k) {
      out["pct_within_" + t] = visits > 0 ? 100.0 * within[k] / visits : NaN;
      out["people_within_" + t] = pin[k];
    });
    out.mean_minutes = vr > 0 ? mv / vr / unit : NaN;
    out.median_minutes = quantile(bw, bn, lo, hi, vr, 0.5) / unit;
    out.p90_minutes = quantile(bw, bn, lo, hi, vr, 0.9) / unit;
    out.worst_decile_minutes = worstShare(bw, bn, lo, hi, vr, 0.1) / unit;
    out.gini = gini(bw, bn, lo, hi, vr, mv);
    out.longest_minutes = longest >= 0 ? longest / unit : NaN;
    return out;
  }

  /* evaluate.weighted_quantile: the smallest value whose cumulative weight reaches q. */
  function quantile(bw, bn, lo, hi, total, q) {
    if (!(total > 0)) return NaN;
    var target = q * total - 1e-9 * total, cum = 0;
    for (var b = lo; b <= hi; b++) {
      if (!bn[b]) continue;
      cum += bw[b];
      if (cum >= target) return b;
    }
    return hi;
  }

  /* evaluate.worst_share_mean: mean of the largest values making up `share` of the weight. */
  function worstShare(bw, bn, lo, hi, total, share) {
    if (!(total > 0)) return NaN;
    var goal = share * total, before = 0, taken = 0, sum = 0;
    for (var b = hi; b >= lo; b--) {
      if (!bn[b]) continue;
      var take = Math.min(Math.max(goal - before, 0), bw[b]);
      taken += take;
      sum += take * b;
      before += bw[b];
      if (before >= goal) break;
    }
    return sum / taken;
  }

  /* evaluate.weighted_gini, from the Lorenz curve (values of one bucket are equal). */
  function gini(bw, bn, lo, hi, total, wx) {
    if (!(total > 0)) return NaN;
    if (!(wx > 0)) return 0.0;
    var lorenz = 0, acc = 0;
    for (var b = lo; b <= hi; b++) {
      if (!bn[b]) continue;
      var next = lorenz + bw[b] * b / wx;
      acc += (bw[b] / total) * (next + lorenz);
      lorenz = next;
    }
    return 1.0 - acc;
  }

  /* Share of visits still made after `t` minutes (gateway_planner.decay.decay_factor): 1
   * without a decay; exponential exp(-beta t) or power (1 + t / t0)^-beta, 0 past the cut-off. */
  function decayFactor(d, t) {
    if (!d) return 1.0;
    if (d.cutoff !== null && d.cutoff !== undefined && t > d.cutoff) return 0.0;
    return d.form === "exponential" ? Math.exp(-d.beta * t) : Math.pow(1.0 + t / d.t0, -d.beta);
  }

  /* Visits made and lost to distance (evaluate._lost_figures) of the journeys `lo`..`hi`,
   * added to `out`. */
  function lostFigures(out, va, made, lo, hi) {
    var total = 0, kept = 0;
    for (var i = lo; i < hi; i++) { total += va[i]; kept += made[i]; }
    out.visits_made = kept;
    out.visits_lost = total - kept;
    out.pct_lost = total > 0 ? 100.0 * (total - kept) / total : NaN;
    return out;
  }

  function compute(E, w, mask, limits) {
    var C = E.C, S = E.S, G = E.G, M = E.M, unit = E.unit, c, g, i, m;
    var open = [];
    for (var s = 0; s < S; s++) if (mask[s]) open.push(s);
    // the nearest open site of each cell and group: strict < keeps the first in site order
    var pos = new Int32Array(C * G), q = new Int32Array(C * G);
    var best = new Float64Array(C), at = new Int32Array(C);
    for (g = 0; g < G; g++) {
      var key = E.key[g], qg = E.q[g];
      best.fill(Infinity);
      at.fill(-1);
      for (var k = 0; k < open.length; k++) {
        var site = open[k], base = site * C;
        for (c = 0; c < C; c++) {
          var x = key[base + c];
          if (x < best[c]) { best[c] = x; at[c] = site; }
        }
      }
      for (c = 0; c < C; c++) {
        pos[c * G + g] = at[c];
        q[c * G + g] = at[c] >= 0 ? qg[at[c] * C + c] : -1;
      }
    }
    var R = { open: open, pos: pos, q: q, all: stats(E, q, E.weights, E.people, limits) };
    // the visits made at each journey's time (evaluate._made): all where a site is reached,
    // fewer the longer the journey for a group whose visits decay
    var made = new Float64Array(C * G), decays = w.decays || [];
    for (c = 0; c < C; c++) {
      for (g = 0; g < G; g++) {
        i = c * G + g;
        made[i] = q[i] < 0 ? 0 : E.weights[i] * decayFactor(decays[g], q[i] / unit);
      }
    }
    lostFigures(R.all, E.weights, made, 0, C * G);
    // each site's visits, people, mean journey and visits made
    var visits = new Float64Array(S), people = new Float64Array(S), mv = new Float64Array(S);
    var madeS = new Float64Array(S);
    for (i = 0; i < C * G; i++) {
      if (pos[i] < 0) continue;
      visits[pos[i]] += E.weights[i];
      people[pos[i]] += E.people[i];
      mv[pos[i]] += q[i] * E.weights[i];
      madeS[pos[i]] += made[i];
    }
    R.sites = open.map(function (s) {
      var cap = w.capacity[s], perMonth = madeS[s] / 12.0;
      return { index: s, visits: visits[s], people: people[s], visits_per_month: perMonth,
               visits_made: madeS[s], visits_lost: visits[s] - madeS[s],
               pct_lost: visits[s] > 0 ? 100.0 * (visits[s] - madeS[s]) / visits[s] : NaN,
               mean_minutes: visits[s] > 0 ? mv[s] / visits[s] / unit : NaN,
               load_pct: cap > 0 ? 100.0 * perMonth / cap : NaN };
    });
    // each cell's main site (most of its visits) and mean journey (evaluate._cell_summary)
    var main = new Int32Array(C), minutes = new Float64Array(C);
    var sites = new Int32Array(G), loads = new Float64Array(G);
    for (c = 0; c < C; c++) {
      var total = 0, sum = 0, n = 0;
      for (g = 0; g < G; g++) {
        i = c * G + g;
        if (pos[i] < 0) continue;
        var b = E.basis[i];
        total += b;
        sum += q[i] * b;
        var j = 0;
        while (j < n && sites[j] !== pos[i]) j++;
        if (j === n) { sites[n] = pos[i]; loads[n] = 0; n++; }
        loads[j] += b;
      }
      var top = -1, topLoad = -1;
      for (var t = 0; t < n; t++) {
        if (loads[t] > topLoad || (loads[t] === topLoad && sites[t] < top)) {
          top = sites[t];
          topLoad = loads[t];
        }
      }
      main[c] = total > 0 ? top : -1;
      minutes[c] = total > 0 ? sum / total / unit : Infinity;
    }
    R.main = main;
    R.minutes = minutes;
    if (M) byMode(E, w, R, limits);
    return R;
  }

  /* Figures by mode (evaluate._by_mode, _mode_rows, _mode_minutes). */
  function byMode(E, w, R, limits) {
    var C = E.C, G = E.G, M = E.M, N = C * G, unit = E.unit, i, m;
    var times = [], shares = [];
    for (m = 0; m < M; m++) {
      var t = new Int32Array(N), mq = E.modeQ[m];
      for (i = 0; i < N; i++) {
        var s = R.pos[i];
        t[i] = s >= 0 ? mq[s * C + ((i / G) | 0)] : -1;
      }
      times.push(t);
      shares.push(new Float64Array(N));
    }
    var raw = new Float64Array(M);
    for (i = 0; i < N; i++) {
      var nominal = E.nominal[i % G], reached = R.q[i] >= 0, total = 0;
      for (m = 0; m < M; m++) {
        raw[m] = reached && times[m][i] < 0 ? 0.0 : nominal[m];
        total += raw[m];
      }
      if (!(total > 0)) {
        total = 0;
        for (m = 0; m < M; m++) { raw[m] = nominal[m]; total += raw[m]; }
      }
      for (m = 0; m < M; m++) shares[m][i] = raw[m] / Math.max(total, 1e-300);
    }
    var allVisits = 0;
    for (i = 0; i < N; i++) allVisits += E.weights[i];
    var va = new Float64Array(N), pa = new Float64Array(N);
    R.modes = {};
    R.modeMinutes = {};
    w.modes.forEach(function (mode, m) {
      for (i = 0; i < N; i++) {
        va[i] = E.weights[i] * shares[m][i];
        pa[i] = E.people[i] * shares[m][i];
      }
      var row = stats(E, times[m], va, pa, limits);
      row.pct_of_visits = allVisits > 0 ? 100.0 * row.visits / allVisits : NaN;
      row.pct_riding = NaN;
      if (w.ride && m === w.ride.bus) {
        var walk = times[w.ride.walk], bus = times[m], reachedV = 0, riding = 0;
        for (i = 0; i < N; i++) {
          if (bus[i] < 0) continue;
          reachedV += va[i];
          var walkMinutes = walk[i] < 0 ? Infinity : walk[i] / unit;
          if (bus[i] / unit < walkMinutes - w.ride.tolerance) riding += va[i];
        }
        row.pct_riding = reachedV > 0 ? 100.0 * riding / reachedV : NaN;
      }
      R.modes[mode.key] = row;
      var out = new Float64Array(C);
      for (var c = 0; c < C; c++) {
        var used = 0, reachedB = 0, sum = 0;
        for (var g = 0; g < G; g++) {
          i = c * G + g;
          var b = E.basis[i] * shares[m][i];
          used += b;
          if (times[m][i] >= 0 && b > 0) { reachedB += b; sum += times[m][i] * b; }
        }
        out[c] = used > 0 ? (reachedB > 0 ? sum / reachedB / unit : Infinity) : NaN;
      }
      R.modeMinutes[mode.key] = out;
    });
  }

  window.gpWhatIfEval = { bytesOf: bytesOf, inflate: inflate, decode: decode, compute: compute };
})();
