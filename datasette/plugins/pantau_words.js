/* The column-actions menu of Datasette 0.65's table.js in the interface language.
 *
 * table.js builds the menu (sort, facet, hide a column, its type) from English string literals
 * and fills the column type on every opening; it offers no hook for its words. This script,
 * added to table pages by pantau_pages.extra_body_script with window.PANTAU_WORDS set, relabels
 * the menu's links by their classes once table.js has run (it is deferred: DOMContentLoaded
 * comes after it), watches the "Type: …" line, and relabels the filter rows' remove buttons and
 * the map's zoom buttons.
 */
(function () {
  var words = window.PANTAU_WORDS;
  if (!words) {
    return;
  }
  var TYPE_PREFIX = "Type: "; // table.js: `Type: ${columnType.toUpperCase()}${notNull}`

  function relabel() {
    Object.keys(words.menu).forEach(function (cls) {
      document.querySelectorAll(".dropdown-menu a." + cls).forEach(function (a) {
        a.textContent = words.menu[cls];
      });
    });
    document.querySelectorAll('.filter-row a[aria-label="Remove this filter"]').forEach(
      function (a) {
        a.setAttribute("aria-label", words.remove_filter);
      }
    );
    document.querySelectorAll(".dropdown-column-type").forEach(function (p) {
      function translateType() {
        if (p.textContent.indexOf(TYPE_PREFIX) === 0) {
          p.textContent = words.type + ": " + p.textContent.slice(TYPE_PREFIX.length);
        }
      }
      new MutationObserver(translateType).observe(p, {
        childList: true,
        characterData: true,
        subtree: true,
      });
      translateType();
    });
  }

  // The zoom buttons of the map datasette-cluster-map adds to tables with latitude/longitude
  // (Leaflet's "Zoom in"/"Zoom out" tooltips): added after the page loads, so watched for.
  function relabelZoom() {
    var found = 0;
    Object.keys(words.zoom).forEach(function (cls) {
      document.querySelectorAll("a." + cls).forEach(function (a) {
        a.setAttribute("title", words.zoom[cls]);
        a.setAttribute("aria-label", words.zoom[cls]);
        found += 1;
      });
    });
    return found;
  }

  function start() {
    relabel();
    if (relabelZoom() || !document.querySelector('[data-column="latitude"]')) {
      return;
    }
    var watcher = new MutationObserver(function () {
      if (relabelZoom()) {
        watcher.disconnect();
      }
    });
    watcher.observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
