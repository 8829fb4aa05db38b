/* gateway-planner what-if: switch sites on and off and re-evaluate in the browser.
 *
 * The payload's `whatif` part carries every cell-site journey of every customer group and mode
 * (packed by report/_whatif_codec.py: minutes in hundredths rounded up, tie ranks that keep the
 * evaluation's exact order, deflated and base64-encoded), the visits and people of every cell
 * and group, the sites' capacities and the presets. On every change the page repeats
 * gateway_planner.evaluate.evaluate for the sites switched on:
 *  - each cell's visits of each group go to the open site that group reaches fastest, ties to
 *    the first open site in site order (evaluate's argmin);
 *  - the figures of all groups (weighted by visits; unreachable journeys count as not within;
 *    the weighted quantile, worst-tenth mean and Gini of evaluate.py), the visits and load of
 *    each site, each cell's main site (catchments) and mean journey;
 *  - by mode: each group's visits split between the modes of its mix that reach the chosen
 *    site, the figures of all groups by mode and each cell's mean journey by mode (the reach
 *    bands).
 * Names were HTML-escaped by the Python writer; ids only reach setAttribute / textContent.
 */
(function () {
  "use strict";

  var MINUS = "\u2212";

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
    // each site's visits, people and mean journey
    var visits = new Float64Array(S), people = new Float64Array(S), mv = new Float64Array(S);
    for (i = 0; i < C * G; i++) {
      if (pos[i] < 0) continue;
      visits[pos[i]] += E.weights[i];
      people[pos[i]] += E.people[i];
      mv[pos[i]] += q[i] * E.weights[i];
    }
    R.sites = open.map(function (s) {
      var cap = w.capacity[s], perMonth = visits[s] / 12.0;
      return { index: s, visits: visits[s], people: people[s], visits_per_month: perMonth,
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

  /* ---------- words ---------- */

  function fmtValue(v, digits, suffix) {
    if (!isFinite(v)) return "\u2013";
    return v.toLocaleString("en-GB", { minimumFractionDigits: digits,
                                       maximumFractionDigits: digits }) + suffix;
  }

  function roundsToZero(delta, digits) { return Number(Math.abs(delta).toFixed(digits)) === 0; }

  /* _labels.change_text and change_direction */
  function changeText(delta, digits, suffix) {
    if (!isFinite(delta)) return "\u2013";
    if (roundsToZero(delta, digits)) return "\u00b10";
    var unit = suffix.trim() === "%" ? " pts" : suffix;
    return (delta > 0 ? "+" : MINUS) + fmtValue(Math.abs(delta), digits, "") + unit;
  }

  function direction(better, delta, digits) {
    if (!isFinite(delta) || roundsToZero(delta, digits) || !better) return "";
    return (better === "higher") === (delta > 0) ? "better" : "worse";
  }

  function plain(x) {
    if (typeof x === "number") return isFinite(x) ? x : null;
    if (x instanceof Float64Array || x instanceof Int32Array) return Array.from(x, plain);
    if (Array.isArray(x)) return x.map(plain);
    if (x && typeof x === "object") {
      var out = {};
      Object.keys(x).forEach(function (k) { out[k] = plain(x[k]); });
      return out;
    }
    return x;
  }

  function el(tag, cls, parent) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (parent) parent.appendChild(node);
    return node;
  }

  /* ---------- the page ---------- */

  function statusOf(existing, open) {
    return existing ? (open ? "existing" : "closed") : (open ? "proposed" : "candidate");
  }

  function Panel(view, data, E, options) {
    this.view = view;
    this.data = data;
    this.w = data.whatif;
    this.E = E;
    this.options = options;
    this.figures = options.figures ? options.figures.querySelectorAll("[data-figure]") : [];
    this.modeItems = options.figures ? options.figures.querySelectorAll("[data-mode]") : [];
    var limits = this.w.thresholds.slice();
    Array.prototype.forEach.call(this.figures, function (li) {
      var m = /^(?:pct|people)_within_(\d+(?:\.\d+)?)$/.exec(li.getAttribute("data-figure"));
      if (m && limits.indexOf(Number(m[1])) < 0) limits.push(Number(m[1]));
    });
    this.limits = limits;
    this.existing = new Uint8Array(E.S);
    var self = this;
    this.w.existing.forEach(function (s) { self.existing[s] = 1; });
    this.presets = this.w.presets;
    this.mask = this.maskOf(this.preset("today").open);
    this.today = compute(E, this.w, this.mask, limits);
    this.mask = this.maskOf(this.preset("proposal").open);
    this.shownMain = new Int32Array(E.C).fill(-2);
    this.build();
  }

  Panel.prototype.preset = function (key) {
    for (var k = 0; k < this.presets.length; k++) {
      if (this.presets[k].key === key) return this.presets[k];
    }
    return null;
  };

  Panel.prototype.maskOf = function (indices) {
    var mask = new Uint8Array(this.E.S);
    indices.forEach(function (s) { mask[s] = 1; });
    return mask;
  };

  Panel.prototype.build = function () {
    var self = this, view = this.view, data = this.data, w = this.w;
    var root = this.options.panel;
    if (root) {
      root.innerHTML = "";
      el("div", "gp-whatif-title", root).textContent = "What if? Switch sites on and off";
      var bar = el("div", "gp-presets", root);
      this.buttons = w.presets.map(function (p) {
        var b = el("button", "gp-preset", bar);
        b.type = "button";
        b.setAttribute("data-preset", p.key);
        b.innerHTML = p.label_html;
        b.addEventListener("click", function () { self.choose(p.key); });
        return b;
      });
      this.stateLine = el("p", "gp-whatif-state", root);
      var holder = root;
      if (this.options.compact) {
        holder = el("details", "gp-site-details", root);
        el("summary", "", holder).textContent = "Sites (" + data.sites.length + ")";
      }
      var list = el("ul", "gp-site-list", holder);
      var rank = { existing: 0, proposed: 1, closed: 2, candidate: 3 };
      var order = data.sites.map(function (s, k) { return k; });
      order.sort(function (a, b) {
        return (rank[data.sites[a].status] - rank[data.sites[b].status]) || (a - b);
      });
      this.rows = [];
      order.forEach(function (k) {
        var s = data.sites[k];
        var row = el("li", "gp-site-row", list);
        row.setAttribute("data-site", s.id);
        var label = el("label", "gp-site-switch", row);
        var box = el("input", "", label);
        box.type = "checkbox";
        box.setAttribute("data-site-id", s.id);
        box.addEventListener("change", function () { self.toggle(k, box.checked); });
        var swatch = el("span", "gp-swatch", label);
        swatch.style.background = w.colours[k];
        el("span", "gp-site-name", label).innerHTML = s.name_html;
        var load = el("span", "gp-load", row);
        self.rows[k] = { row: row, box: box, load: load };
      });
      this.note = el("p", "gp-note", root);
      this.note.textContent = "Figures recomputed in this page with the rules of the " +
        "evaluation; journeys to 0.01 minute. Click a site's marker to switch it too.";
    }
    data.sites.forEach(function (s) { if (view.sites[s.id]) view.sites[s.id].gpSite = true; });
    this.catchments = this.cellLayer();
    this.catchments.gpKind = "catchments";
    view.map.addLayer(this.catchments);
    var name = "Catchments of the sites switched on";
    view.overlays[name] = this.catchments;
    view.layers["catchments-whatif"] = this.catchments;
    view.control.addOverlay(this.catchments, name);
    this.bandLayers = {};
    var items = [{ key: "all", label_html: "all modes (each group's mix)" }].concat(w.modes);
    var menu = { label_html: "Within 15 / 30 / 45 min of the open sites",
                 none_html: "none shown", items: [] };
    items.forEach(function (item) {
      var key = "reach-" + item.key;
      var layer = self.cellLayer();
      layer.gpBand = item.key;
      layer.on("add", function () { self.paintBand(layer); });
      self.bandLayers[item.key] = layer;
      view.layers[key] = layer;
      menu.items.push({ key: key, label_html: item.label_html });
    });
    this.bandMenu = gpViewer.menuControl(menu, view.map, view.layers, function () {
      self.syncBandLegend();
    }).addTo(view.map);
    var container = this.bandMenu.getContainer();
    container.classList.add("gp-reach-menu");
    if (view.controls) view.controls.insertBefore(container, view.legend.getContainer());
    this.bandLegend = el("div", "gp-legend-reach", view.legend.getContainer());
    this.bandLegend.innerHTML = "<div>Within reach of the open sites (follows the switches)</div>" +
      w.bands.map(function (t, k) {
        return "<div class='gp-legend-catchment'><svg width='18' height='14'><rect x='1' y='1' " +
          "width='16' height='12' fill='" + w.band_colours[k] + "'/></svg> within " + t +
          " min</div>";
      }).join("");
    this.syncBandLegend();
    view.hooks.siteClick = function (id) {
      var k = self.indexOf(id);
      if (k >= 0) self.toggle(k, !self.mask[k]);
    };
    view.hooks.sitePopup = function (id) { return self.sitePopup(self.indexOf(id)); };
    view.hooks.cellRows = function (i) {
      var s = self.result.main[i];
      return [["site now", s >= 0 ? data.sites[s].name_html : "none"],
              ["minutes now", gpViewer.fmt(isFinite(self.result.minutes[i]) ?
                                           self.result.minutes[i] : null, 1)]];
    };
  };

  Panel.prototype.indexOf = function (id) {
    if (!this.index) {
      var index = this.index = {};
      this.data.sites.forEach(function (s, k) { index[s.id] = k; });
    }
    return id in this.index ? this.index[id] : -1;
  };

  /* One polygon per cell on the map's canvas, coloured by the panel. */
  Panel.prototype.cellLayer = function () {
    var group = L.featureGroup(), data = this.data, renderer = this.view.renderer;
    group.gpCells = null;
    group.on("add", function () {
      if (group.gpCells) return;
      group.gpCells = data.cells.map(function (geom) {
        var poly = L.polygon(gpViewer.latlngs(geom), {
          renderer: renderer, stroke: false, fillOpacity: 0, interactive: false
        });
        poly.addTo(group);
        return poly;
      });
    });
    return group;
  };

  Panel.prototype.syncBandLegend = function () {
    var map = this.view.map, layers = this.bandLayers;
    var shown = Object.keys(layers).some(function (k) { return map.hasLayer(layers[k]); });
    this.bandLegend.style.display = shown ? "" : "none";
  };

  Panel.prototype.paintBand = function (layer) {
    if (!layer.gpCells || !this.result) return;
    var values = layer.gpBand === "all" ? this.result.minutes :
      this.result.modeMinutes[layer.gpBand];
    var bands = this.w.bands, colours = this.w.band_colours;
    layer.gpCells.forEach(function (poly, c) {
      var v = values[c], k = 0;
      while (k < bands.length && !(v <= bands[k])) k++;
      var colour = k < bands.length ? colours[k] : null;
      if (poly.gpColour === colour) return;
      poly.gpColour = colour;
      poly.setStyle(colour ? { fillColor: colour, fillOpacity: 0.55 } : { fillOpacity: 0 });
    });
  };

  Panel.prototype.paintCatchments = function () {
    var cells = this.catchments.gpCells;
    if (!cells) return;
    var main = this.result.main, colours = this.w.colours, shown = this.shownMain;
    for (var c = 0; c < cells.length; c++) {
      if (shown[c] === main[c]) continue;
      shown[c] = main[c];
      cells[c].setStyle(main[c] >= 0 ? { fillColor: colours[main[c]], fillOpacity: 0.3 } :
                        { fillOpacity: 0 });
    }
  };

  Panel.prototype.toggle = function (k, on) {
    this.mask[k] = on ? 1 : 0;
    return this.update();
  };

  Panel.prototype.choose = function (key) {
    this.mask = this.maskOf(this.preset(key).open);
    return this.update();
  };

  Panel.prototype.set = function (ids) {
    var self = this, mask = new Uint8Array(this.E.S);
    ids.forEach(function (id) {
      var k = self.indexOf(id);
      if (k < 0) throw new Error("unknown site " + id);
      mask[k] = 1;
    });
    this.mask = mask;
    return this.update();
  };

  Panel.prototype.update = function () {
    var start = performance.now();
    this.result = compute(this.E, this.w, this.mask, this.limits);
    var computed = performance.now();
    this.paintCatchments();
    var self = this;
    Object.keys(this.bandLayers).forEach(function (k) {
      if (self.view.map.hasLayer(self.bandLayers[k])) self.paintBand(self.bandLayers[k]);
    });
    this.paintMarkers();
    this.paintFigures();
    this.paintPanel();
    this.timing = { compute_ms: computed - start, update_ms: performance.now() - start };
    return this.timing;
  };

  Panel.prototype.matching = function () {
    var mask = this.mask;
    for (var k = 0; k < this.presets.length; k++) {
      var p = this.presets[k], m = this.maskOf(p.open), same = true;
      for (var s = 0; s < mask.length && same; s++) same = mask[s] === m[s];
      if (same) return p;
    }
    return null;
  };

  Panel.prototype.paintMarkers = function () {
    var view = this.view, data = this.data, self = this;
    data.sites.forEach(function (s, k) {
      var marker = view.sites[s.id];
      var status = statusOf(self.existing[k], self.mask[k]);
      if (!marker || marker.gpStatus === status) return;
      var before = marker.gpStatus || s.status, style = data.statuses[status];
      marker.gpStatus = status;
      if (before === status) return;
      var from = view.layers["sites-" + before], to = view.layers["sites-" + status];
      if (from) from.removeLayer(marker);
      marker.options.className = "gp-site gp-site-" + status;
      marker.setRadius(style.radius);
      marker.setStyle({ color: style.stroke, weight: style.weight, fillColor: style.colour,
                        fillOpacity: style.opacity });
      if (to) to.addLayer(marker);
    });
  };

  Panel.prototype.paintFigures = function () {
    var self = this, now = this.result, today = this.today;
    Array.prototype.forEach.call(this.figures, function (li) {
      var key = li.getAttribute("data-figure");
      var digits = Number(li.getAttribute("data-digits") || 1);
      var suffix = li.getAttribute("data-suffix") || "";
      var v = now.all[key], t = today.all[key];
      self.paintChange(li, v, t, digits, suffix);
    });
    Array.prototype.forEach.call(this.modeItems, function (li) {
      var mode = li.getAttribute("data-mode"), row = now.modes && now.modes[mode];
      if (!row) return;
      var digits = Number(li.getAttribute("data-digits") || 0);
      var suffix = li.getAttribute("data-suffix") || "";
      self.paintChange(li, row.mean_minutes, today.modes[mode].mean_minutes, digits, suffix);
      var share = li.querySelector(".gp-mode-share");
      if (share) {
        var parts = [fmtValue(row.pct_of_visits, 0, " %") + " of visits"];
        if (isFinite(row.pct_riding)) parts.push(row.pct_riding.toFixed(0) + " % board a bus");
        share.textContent = "(" + parts.join("; ") + ")";
      }
    });
    var preset = this.matching(), state = this.options.figures &&
      this.options.figures.querySelector(".gp-state");
    var n = this.result.open.length;
    var label = preset ? (preset.key === "today" ? "today (no change)" :
      preset.key === "proposal" ? "with the proposal" : "with " + preset.label_html) :
      "with the " + n + " site" + (n === 1 ? "" : "s") + " switched on";
    if (state) state.innerHTML = label;
  };

  Panel.prototype.paintChange = function (li, v, t, digits, suffix) {
    li.setAttribute("data-value", isFinite(v) ? String(v) : "");
    var now = li.querySelector(".gp-now"), change = li.querySelector(".gp-change");
    if (now) now.textContent = fmtValue(v, digits, suffix);
    if (change) {
      var delta = v - t, way = direction(li.getAttribute("data-better"), delta, digits);
      change.textContent = changeText(delta, digits, suffix);
      change.className = "gp-change" + (way ? " gp-" + way : "");
    }
  };

  Panel.prototype.siteFigures = function (k) {
    var rows = this.result.sites;
    for (var j = 0; j < rows.length; j++) if (rows[j].index === k) return rows[j];
    return null;
  };

  Panel.prototype.loadText = function (k) {
    var row = this.siteFigures(k), observed = this.w.observed[k];
    if (!row) return this.existing[k] ? "closed" : "not open";
    var text = fmtValue(row.visits_per_month, 0, " visits/month");
    if (isFinite(row.load_pct)) text += " \u00b7 " + fmtValue(row.load_pct, 0, " %") + " of capacity";
    if (observed !== null && observed !== undefined) {
      text += " \u00b7 observed " + fmtValue(observed, 0, "");
    }
    return text;
  };

  Panel.prototype.paintPanel = function () {
    var self = this, preset = this.matching();
    if (this.buttons) {
      this.buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", preset && b.getAttribute("data-preset") === preset.key ?
                       "true" : "false");
      });
    }
    if (this.stateLine) {
      var n = this.result.open.length;
      this.stateLine.innerHTML = (preset ? preset.label_html + ": " : "Your selection: ") + n +
        " site" + (n === 1 ? "" : "s") + " open" +
        (n ? "" : " \u2013 switch one on to see where residents would go");
    }
    (this.rows || []).forEach(function (r, k) {
      var row = self.siteFigures(k);
      r.box.checked = !!self.mask[k];
      r.row.classList.toggle("gp-site-open", !!self.mask[k]);
      r.load.textContent = self.loadText(k);
      r.load.setAttribute("data-visits", row ? String(row.visits) : "");
      r.load.setAttribute("data-load-pct", row && isFinite(row.load_pct) ? String(row.load_pct) : "");
    });
    var popup = this.view.map._popup;
    if (popup && popup.isOpen() && popup._source && popup._source.gpSite) {
      popup.update();
    }
  };

  Panel.prototype.sitePopup = function (k) {
    if (k < 0 || !this.result) return "";
    var open = !!this.mask[k];
    return "<div class='gp-popup-now'>" + (open ? "Switched on: " + this.loadText(k) + "." :
      "Switched off.") + " A click on the marker switches it " + (open ? "off" : "on") +
      ".</div>";
  };

  /* What tests and benchmarks read: plain numbers (null where not finite). */
  Panel.prototype.report = function () {
    var R = this.result, data = this.data, self = this, sites = {};
    R.sites.forEach(function (row) { sites[data.sites[row.index].id] = plain(row); });
    function ids(v) { return v >= 0 ? data.sites[v].id : null; }
    var groups = this.w.groups.length, bySite = [];
    for (var c = 0; c < this.E.C; c++) {
      var row = [];
      for (var g = 0; g < groups; g++) row.push(ids(R.pos[c * groups + g]));
      bySite.push(row);
    }
    return plain({ open: R.open.map(ids), all: R.all, sites: sites,
                   cells: { site: Array.from(R.main, ids), minutes: R.minutes,
                            group_sites: bySite },
                   modes: R.modes || {}, mode_minutes: R.modeMinutes || {},
                   timing: self.timing });
  };

  /* Attach the what-if panel to a rendered map (`view`: gpViewer.render's handles). The data
   * are inflated first (asynchronously); the map element then carries data-gp-whatif="ready"
   * (or "unavailable", with a line in the panel) and view.whatif the handles tests use. */
  function attach(view, data, options) {
    options = options || {};
    var w = data.whatif, box = view.map.getContainer();
    if (!w) return Promise.resolve(null);
    if (options.panel) options.panel.textContent = "Loading the sites\u2026";
    return inflate(bytesOf(w.data)).then(function (buffer) {
      var panel = new Panel(view, data, decode(w, buffer), options);
      panel.update();
      view.whatif = {
        set: function (ids) { panel.set(ids); return panel.report(); },
        toggle: function (id) { panel.toggle(panel.indexOf(id), !panel.mask[panel.indexOf(id)]); },
        preset: function (key) { panel.choose(key); return panel.report(); },
        report: function () { return panel.report(); },
        time: function (ids) { panel.set(ids); return panel.timing; },
        panel: panel
      };
      box.setAttribute("data-gp-whatif", "ready");
      return view.whatif;
    }).catch(function (err) {
      box.setAttribute("data-gp-whatif", "unavailable");
      if (options.panel) {
        options.panel.textContent = "Sites cannot be switched in this browser (" + err.message +
          "); the figures shown are today's and the proposal's.";
      }
      if (window.console) console.warn(err);
      return null;
    });
  }

  window.gpWhatIf = { attach: attach };
})();
