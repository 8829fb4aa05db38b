/* gateway-planner what-if, the page: switch sites on and off and see the evaluation change.
 *
 * A panel of the sites (a switch each, data-site-id; a click on a marker does the same), the
 * presets (today, the proposal, any alternatives the payload offers), the key figures of the
 * headline (data-figure), each site's load, the catchments recoloured and the reach bands
 * (within 15 / 30 / 45 minutes, all modes or one) following the switches. The evaluation
 * itself is whatif_eval.js's (gpWhatIfEval).
 * Names were HTML-escaped by the Python writer; ids only reach setAttribute / textContent.
 */
(function () {
  "use strict";

  var MINUS = "\u2212";
  var compute = gpWhatIfEval.compute;

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
    return gpWhatIfEval.inflate(gpWhatIfEval.bytesOf(w.data)).then(function (buffer) {
      var panel = new Panel(view, data, gpWhatIfEval.decode(w, buffer), options);
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
