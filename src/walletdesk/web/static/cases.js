/* Case forms, enhanced: the category's fields switch in place, and help articles that may
   answer the question are suggested while the customer types. The pages work without it. */
(function () {
  "use strict";

  var form = document.getElementById("case-form");
  var specNode = document.getElementById("case-categories");
  if (!form || !specNode) { return; }
  var spec = JSON.parse(specNode.textContent);

  // --- category switching -------------------------------------------------------------
  var select = document.getElementById("category");
  var hidden = document.getElementById("category-value");
  var summary = document.getElementById("category-summary");
  var description = document.getElementById("description");

  document.querySelectorAll("[data-without-js]").forEach(function (el) { el.hidden = true; });

  function showCategory(key) {
    var category = spec[key];
    if (!category) { return; }
    hidden.value = key;
    if (summary) { summary.textContent = category.summary; }
    description.placeholder = category.example;
    form.querySelectorAll(".case-field").forEach(function (field) {
      var name = field.getAttribute("data-field");
      var active = category.fields.indexOf(name) !== -1;
      var required = category.required.indexOf(name) !== -1;
      field.hidden = !active;
      field.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !active;
        if (input.name === name) { input.required = active && required; }
      });
      var mark = field.querySelector(".required-mark");
      if (mark) { mark.hidden = !required; }
    });
    var url = new URL(window.location.href);
    url.searchParams.set("category", key);
    window.history.replaceState(null, "", url.toString());
  }

  if (select) {
    select.addEventListener("change", function () { showCategory(select.value); });
  }

  // --- description outline ------------------------------------------------------------
  var outline = document.getElementById("use-outline");
  if (outline && description.dataset.outline) {
    outline.hidden = false;
    outline.addEventListener("click", function () {
      if (!description.value.trim()) {
        description.value = description.dataset.outline
          .split("\n").map(function (line) { return line + " "; }).join("\n");
      }
      description.focus();
    });
  }

  // --- help-center suggestions --------------------------------------------------------
  var box = document.getElementById("live-suggestions");
  var list = document.getElementById("suggestion-list");
  var subject = document.getElementById("subject");
  var lang = (document.documentElement.lang || "zh").slice(0, 2);
  var timer = null;
  var lastQuery = "";
  var controller = null;

  function render(results) {
    list.textContent = "";
    results.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/help/articles/" + encodeURIComponent(hit.slug);
      link.textContent = hit.title;
      link.target = "_blank";
      link.rel = "noopener";
      item.appendChild(link);
      if (hit.snippet) {
        var snippet = document.createElement("span");
        snippet.className = "hint";
        snippet.textContent = " " + hit.snippet;
        item.appendChild(snippet);
      }
      list.appendChild(item);
    });
    box.hidden = results.length === 0;
  }

  function suggest() {
    var query = (subject.value + " " + description.value).trim().slice(0, 300);
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (query.length < 2) { render([]); return; }
    if (controller) { controller.abort(); }
    controller = new AbortController();
    // What is typed goes in the body, never the URL: request logs keep URLs.
    var headers = { "Accept": "application/json", "Content-Type": "application/json" };
    var token = document.querySelector("input[name=csrf_token]");
    if (token && token.value) { headers["X-CSRF-Token"] = token.value; }
    fetch("/api/v1/help/suggest", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ q: query, lang: lang, limit: 5 }),
      credentials: "same-origin",
      signal: controller.signal
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { render((data.results || []).slice(0, 5)); })
      .catch(function () { /* suggestions are a help, never an obstacle */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 400);
  }

  if (box && list && subject) {
    subject.addEventListener("input", later);
    description.addEventListener("input", later);
    if (subject.value || description.value) { later(); }
  }
})();
