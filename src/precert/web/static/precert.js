// precert staff page: copy as text, printing, results as you type. The page works fully
// without this script (its buttons appear only when it runs).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Copy an answer (or all of them) as plain text: the Clipboard API where the page may use
  // it (https or localhost), else a selected textarea and the older copy command.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    area.remove();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function say(button, message) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = message;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = message;
    setTimeout(function () { button.textContent = label; }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy");
    if (!button) return;
    var text = button.getAttribute("data-copy-text");
    var count = 1;
    if (button.id === "copy-all") {
      var parts = [];
      document.querySelectorAll("#results button.copy[data-copy-text]").forEach(function (b) {
        parts.push(b.getAttribute("data-copy-text"));
      });
      text = parts.join("\n");
      count = parts.length;
    }
    if (!text) return;
    copyText(text).then(
      function () { say(button, count === 1 ? "Copied" : "Copied " + count + " answers"); },
      function () { say(button, "Copy failed: select the text instead"); }
    );
  });

  // Print every answer of the all-payers table, not only the cells opened.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.cell:not([open])").forEach(function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  // The payer, line of business and member's state are remembered for the session, by the
  // search form and the upload form alike: a visit to the bare page (the Search or Upload
  // link) starts with them, while a URL that says anything (a shared link, a search) shows
  // exactly what it says. A screened upload puts its choice in the URL (data-url).
  var WHOM = ["payer", "lob", "state"];
  var chooser = document.getElementById("search-form") || document.getElementById("upload-form");
  function remember() {
    try {
      WHOM.forEach(function (id) {
        var field = document.getElementById(id);
        if (field) sessionStorage.setItem("precert." + id, field.value);
      });
    } catch (e) { /* storage may be disabled: nothing is remembered */ }
  }
  if (chooser) {
    try {
      var shown = chooser.getAttribute("data-url");
      if (shown) {
        history.replaceState(null, "", shown);
        remember();  // what the file was just screened for: the latest choice
      } else if (!location.search) {
        WHOM.forEach(function (id) {
          var field = document.getElementById(id);
          var kept = sessionStorage.getItem("precert." + id);
          if (field && kept) {
            field.value = kept;
            if (field.value !== kept) field.value = "";  // a payer no longer loaded
          }
        });
      } else if (/[?&](payer|lob|state)=/.test(location.search)) {
        remember();  // a link or a submitted form that names them: the latest choice
      }
    } catch (e) { /* as above */ }
    WHOM.forEach(function (id) {
      var field = document.getElementById(id);
      if (field) field.addEventListener("change", remember);
    });
  }

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
    if (field) {
      field.addEventListener("change", refresh);
    }
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
