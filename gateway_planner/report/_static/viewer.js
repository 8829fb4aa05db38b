/* gateway-planner map viewer: draws one scenario's payload with Leaflet (inlined in the page).
 *
 * Every string that reaches innerHTML (layer names, popups, tooltips, legends) was HTML-escaped
 * by the Python writer; raw ids are only ever passed to setAttribute / textContent.
 */
(function () {
  "use strict";

  function unflat(ring) {
    var out = [];
    for (var i = 0; i < ring.length; i += 2) out.push([ring[i], ring[i + 1]]);
    return out;
  }

  function latlngs(geom) {
    // geom: list of polygons, each a list of flat rings [lat, lng, lat, lng, ...]
    return geom.map(function (poly) { return poly.map(unflat); });
  }

  function colourOf(surface, v) {
    if (v === null || v === undefined) return surface.none;
    var n = surface.palette.length;
    var span = surface.vmax - surface.vmin;
    var t = span > 0 ? (v - surface.vmin) / span : 0;
    t = Math.max(0, Math.min(1, t));
    return surface.palette[Math.round(t * (n - 1))];
  }

  function fmt(v, digits) {
    if (v === false) return "none";
    if (v === null || v === undefined) return "unreachable";
    return v.toLocaleString("en-GB", {
      minimumFractionDigits: digits, maximumFractionDigits: digits
    });
  }

  // A feature group that builds its (many) layers the first time it is shown.
  var LazyGroup = L.FeatureGroup.extend({
    initialize: function (build, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      this._build = build;
    },
    onAdd: function (map) {
      if (this._build) {
        var build = this._build;
        this._build = null;
        build(this);
      }
      L.FeatureGroup.prototype.onAdd.call(this, map);
    }
  });

  function cellPopup(data, i, hooks) {
    var c = data.cell_info;
    var rows = [["cell", c.ids[i]], ["people", fmt(c.population[i], 0)],
                ["face-to-face visits/year", fmt(c.visits[i], 0)]];
    (c.columns || []).forEach(function (col) {
      var v = col.values[i];
      rows.push([col.label, col.kind === "site" ? (v === null ? "none" : data.sites[v].name_html)
                                                 : fmt(v, col.digits)]);
    });
    if (hooks && hooks.cellRows) rows = rows.concat(hooks.cellRows(i));
    return "<table class='gp-table'>" + rows.map(function (r) {
      return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>";
    }).join("") + "</table>";
  }

  function surfaceLayer(map, data, surface, renderer, hooks) {
    var group = new LazyGroup(function (g) {
      var values = surface.values;
      for (var i = 0; i < data.cells.length; i++) {
        var v = values[i];
        if (v === false || (surface.skip_zero && v === 0)) continue;  // false: nothing to draw
        L.polygon(latlngs(data.cells[i]), {
          renderer: renderer, stroke: false, fillColor: colourOf(surface, v),
          fillOpacity: surface.opacity, cell: i
        }).addTo(g);
      }
    });
    group.on("click", function (e) {
      L.popup({ maxWidth: 320 }).setLatLng(e.latlng)
        .setContent("<div class='gp-cell'><b>" + surface.name + "</b>: " +
                    fmt(surface.values[e.layer.options.cell], surface.digits) + " " +
                    surface.unit + cellPopup(data, e.layer.options.cell, hooks) + "</div>")
        .openOn(map);
    });
    group.gpKind = "surface";
    return group;
  }

  function catchmentLayer(data, catchments) {
    var group = L.featureGroup();
    catchments.forEach(function (c) {
      // not interactive: clicks go through to the cells below (their popup names the site)
      L.polygon(latlngs(c.geom), {
        color: c.colour, weight: 2, fillColor: c.colour, fillOpacity: 0.12,
        className: "gp-catchment gp-catchment-" + c.index, interactive: false
      }).addTo(group);
    });
    group.gpKind = "catchments";
    return group;
  }

  /* hooks.siteClick(id) runs before the popup opens (the what-if panel switches the site);
   * hooks.sitePopup(id) gives HTML put above the site's own popup. */
  function siteLayer(data, status, registry, hooks) {
    var style = data.statuses[status];
    var group = L.featureGroup();
    data.sites.forEach(function (s) {
      if (s.status !== status) return;
      var m = L.circleMarker([s.lat, s.lng], {
        radius: style.radius, color: style.stroke, weight: style.weight,
        fillColor: style.colour, fillOpacity: style.opacity,
        className: "gp-site gp-site-" + status
      });
      m.on("click", function () { if (hooks.siteClick) hooks.siteClick(s.id); });
      m.bindPopup(function () {
        return (hooks.sitePopup ? hooks.sitePopup(s.id) : "") + s.popup_html;
      }, { maxWidth: 340 });
      m.bindTooltip(s.name_html);
      m.on("add", function () { this.getElement().setAttribute("data-site-id", s.id); });
      m.addTo(group);
      registry[s.id] = m;
    });
    group.gpKind = "sites";
    return group;
  }

  function legendControl(data, surfaces) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gp-legend leaflet-control" +
                                 (data.compact_legend ? " gp-legend-compact" : ""));
      var html = "<div class='gp-legend-sites'>";
      if (!data.compact_legend) data.status_order.forEach(function (status) {
        var st = data.statuses[status];
        html += "<div><svg width='18' height='18'><circle cx='9' cy='9' r='" +
          Math.min(st.radius, 7) + "' fill='" + st.colour + "' stroke='" + st.stroke +
          "' stroke-width='" + st.weight + "'/></svg> " + st.label + "</div>";
      });
      html += "</div>";
      surfaces.forEach(function (s, k) {
        html += "<div class='gp-legend-surface' data-surface='" + k + "'><div>" +
          s.caption + "</div>" + s.legend_svg + "</div>";
      });
      var catchments = data.catchment_legend;
      if (catchments && catchments.items.length && !data.compact_legend) {
        html += "<div class='gp-legend-catchments'><div>Catchments: the area each site " +
          "serves, in its colour</div>";
        catchments.items.forEach(function (c) {
          html += "<div class='gp-legend-catchment'><svg width='18' height='14'><rect x='1' " +
            "y='1' width='16' height='12' fill='" + c.colour + "' fill-opacity='0.25' stroke='" +
            c.colour + "' stroke-width='2'/></svg> " + c.label_html + "</div>";
        });
        if (catchments.more) {
          html += "<div class='gp-legend-catchment'>&hellip; and " + catchments.more +
            " more</div>";
        }
        html += "</div>";
      }
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  /* A drop-down of surfaces shown one at a time (the journey time by mode, today and
   * proposed): one line in the side panel however many there are. */
  function menuControl(menu, map, named, changed) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gp-menu leaflet-control");
      var label = L.DomUtil.create("label", "gp-menu-label", div);
      label.innerHTML = menu.label_html;
      var select = L.DomUtil.create("select", "gp-menu-select", label);
      var none = L.DomUtil.create("option", "", select);
      none.value = "";
      none.innerHTML = menu.none_html;
      menu.items.forEach(function (item) {
        var option = L.DomUtil.create("option", "", select);
        option.value = item.key;
        option.innerHTML = item.label_html;
      });
      L.DomEvent.on(select, "change", function () {
        menu.items.forEach(function (item) {
          var layer = named[item.key];
          if (item.key === select.value) map.addLayer(layer);
          else if (map.hasLayer(layer)) map.removeLayer(layer);
        });
        changed();
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function basemaps(data, map) {
    var layers = {};
    var notice = null;
    data.basemaps.forEach(function (b) {
      var layer = b.url ? L.tileLayer(b.url, {
        attribution: b.attribution_html, maxZoom: 19, subdomains: b.subdomains || "abc",
        crossOrigin: false
      }) : L.layerGroup();
      if (b.url) {
        layer.on("tileerror", function () {
          if (notice) return;
          notice = "basemap unavailable offline";
          map.attributionControl.addAttribution(notice);
        });
      }
      layers[b.name_html] = layer;
      if (b.default) layer.addTo(map);
    });
    return layers;
  }

  /* Draw the payload into the element `el`; return handles used by pages and tests.
   * options.controls: an element outside the map that takes the layer control and the legend
   * (so that they never cover the study area); without it they float on the map. */
  function render(el, data, options) {
    options = options || {};
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false });
    var canvas = L.canvas({ padding: 0.3, tolerance: 0 });
    map.fitBounds(data.bounds);
    L.control.scale({ imperial: true, metric: true, position: "bottomleft" }).addTo(map);
    var base = basemaps(data, map);
    if (data.outline) {
      L.polygon(latlngs(data.outline), {
        color: "#333333", weight: 2, fill: false, interactive: false, className: "gp-outline"
      }).addTo(map);
    }

    var overlays = {};
    var named = {};
    var hooks = {};
    var menu = data.surface_menu || null;
    var inMenu = {};
    if (menu) menu.items.forEach(function (item) { inMenu[item.key] = true; });
    var surfaces = data.surfaces.map(function (s) {
      var layer = surfaceLayer(map, data, s, canvas, hooks);
      if (!inMenu[s.key]) overlays[s.name] = layer;  // menu surfaces: one at a time, below
      named[s.key] = layer;
      if (s.show) layer.addTo(map);
      return layer;
    });
    data.catchment_layers.forEach(function (c) {
      var layer = catchmentLayer(data, c.catchments);
      overlays[c.name_html] = layer;
      named[c.key] = layer;
      if (c.show) layer.addTo(map);
    });
    var markers = {};
    data.status_order.forEach(function (status) {
      // with site switches, a status no site has yet may come (an existing site closed)
      if (!data.whatif && !data.sites.some(function (s) { return s.status === status; })) return;
      var layer = siteLayer(data, status, markers, hooks);
      var st = data.statuses[status];
      overlays[st.label + "s"] = layer;
      named["sites-" + status] = layer;
      if (st.show) layer.addTo(map);
    });
    var control = L.control.layers(base, overlays, { collapsed: data.collapsed_control })
      .addTo(map);

    var legend = legendControl(data, data.surfaces).addTo(map);
    var chooser = menu ? menuControl(menu, map, named, function () { syncLegend(); }).addTo(map)
                       : null;
    if (options.controls) {
      options.controls.appendChild(control.getContainer());
      if (chooser) options.controls.appendChild(chooser.getContainer());
      options.controls.appendChild(legend.getContainer());
    }
    function syncLegend() {
      var box = legend.getContainer();
      surfaces.forEach(function (layer, k) {
        var item = box.querySelector("[data-surface='" + k + "']");
        if (item) item.style.display = map.hasLayer(layer) ? "" : "none";
      });
      var catchments = box.querySelector(".gp-legend-catchments");
      if (catchments) {
        var shown = data.catchment_layers.some(function (c) { return map.hasLayer(named[c.key]); });
        catchments.style.display = shown ? "" : "none";
      }
    }
    map.on("overlayadd overlayremove", syncLegend);
    syncLegend();
    el.setAttribute("data-gp-ready", "1");
    return { map: map, layers: named, overlays: overlays, sites: markers, control: control,
             legend: legend, menu: chooser, hooks: hooks, renderer: canvas,
             controls: options.controls || null, syncLegend: syncLegend };
  }

  /* Keep several maps on the same view (same area) or at least the same zoom (other areas). */
  function synchronise(views, sameArea) {
    var busy = false;
    // start at one scale: the smallest zoom that shows every area whole
    var zoom = Math.min.apply(null, views.map(function (v) { return v.map.getZoom(); }));
    views.forEach(function (v) {
      if (sameArea) v.map.setView(views[0].map.getCenter(), zoom, { animate: false });
      else v.map.setZoom(zoom, { animate: false });
    });
    views.forEach(function (v) {
      v.map.on("move zoomend", function () {
        if (busy) return;
        busy = true;
        views.forEach(function (w) {
          if (w === v) return;
          if (sameArea) w.map.setView(v.map.getCenter(), v.map.getZoom(), { animate: false });
          else w.map.setZoom(v.map.getZoom(), { animate: false });
        });
        busy = false;
      });
    });
  }

  function payload(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  window.gpViewer = { render: render, synchronise: synchronise, payload: payload,
                      latlngs: latlngs, fmt: fmt, menuControl: menuControl };
})();
