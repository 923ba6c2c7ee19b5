// precert staff page: results as you type. The page works fully without this script.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form || !window.fetch) return;
  var box = document.getElementById("q");
  var timer = null;
  var latest = 0;

  function params() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value) data.append(key, value);
    });
    return data;
  }

  function refresh() {
    var data = params();
    var ticket = ++latest;
    var results = document.getElementById("results");
    var list = results && results.querySelector("ol.results");
    if (list) list.setAttribute("aria-busy", "true");
    var query = data.toString();
    var partial = new URLSearchParams(data);
    partial.set("partial", "1");
    fetch("/?" + partial.toString(), { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // Drop answers to older keystrokes that arrive late.
        if (html === null || ticket !== latest) return;
        var current = document.getElementById("results");
        if (!current) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#results");
        if (fresh) current.replaceWith(fresh);
        history.replaceState(null, "", query ? "/?" + query : "/");
      })
      .catch(function () { /* keep the current results; a submit still works */ });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  }

  box.addEventListener("input", soon);
  ["status", "category", "date", "payer", "lob", "state"].forEach(function (id) {
    var field = document.getElementById(id);
    if (field) field.addEventListener("change", refresh);
  });
  // "/" jumps to the search box from anywhere on the page but another field.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
