/* Help-center search suggestions as the customer types (progressive enhancement: without
   JavaScript the form submits to /help/search). */
(function () {
  "use strict";
  var DELAY_MS = 200;
  var MIN_CHARS = 1;

  function pageLang() {
    return (document.documentElement.lang || "zh").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
  }

  function jsonHeaders() {
    // A signed-in visitor's cookie-authenticated POST carries the page's CSRF token.
    var headers = { Accept: "application/json", "Content-Type": "application/json" };
    var token = document.querySelector("input[name=csrf_token]");
    if (token && token.value) { headers["X-CSRF-Token"] = token.value; }
    return headers;
  }

  function render(list, results) {
    list.textContent = "";
    results.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/help/articles/" + encodeURIComponent(hit.slug);
      var title = document.createElement("strong");
      title.textContent = hit.title;
      link.appendChild(title);
      if (hit.snippet) {
        var snippet = document.createElement("span");
        snippet.className = "snippet";
        snippet.textContent = hit.snippet;
        link.appendChild(snippet);
      }
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function enhance(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var endpoint = form.getAttribute("data-suggest");
    if (!input || !list || !endpoint || !window.fetch) { return; }
    var timer = null;
    var pending = null;

    function ask() {
      var q = input.value.trim();
      if (q.length < MIN_CHARS) { render(list, []); return; }
      if (pending && pending.abort) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      // What is typed goes in the body, never the URL: request logs keep URLs.
      fetch(endpoint, {
        method: "POST",
        headers: jsonHeaders(),
        body: JSON.stringify({ q: q, lang: pageLang(), limit: 5 }),
        credentials: "same-origin",
        signal: pending ? pending.signal : undefined
      })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) { render(list, data.results || []); } })
        .catch(function () { /* aborted or offline: keep the plain form */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { render(list, []); }
      if (event.key === "ArrowDown") {
        var first = list.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (at < 0) { return; }
      if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
      if (event.key === "Escape") { render(list, []); input.focus(); }
    });
  }

  document.querySelectorAll("form[data-suggest]").forEach(enhance);
})();
