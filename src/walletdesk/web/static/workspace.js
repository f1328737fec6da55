/* The agent's workspace, enhanced: reply or note in one composer, keyboard shortcuts, one pane
   at a time on a phone, and a queue that refreshes itself and says when a customer writes.
   Every form and link works without it. */
"use strict";

(() => {
  const workspace = document.getElementById("workspace");
  if (!workspace) return;
  workspace.classList.add("scripted"); // the panes follow data-pane, not :target
  const composer = document.getElementById("composer");
  const thread = document.getElementById("thread");
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  const SOUND_KEY = "walletdesk.workspace.sound";

  // --- panes (a phone shows one at a time) ------------------------------------------------
  const PANES = { "queue-pane": "queue", "item-pane": "item", "side-pane": "side" };

  function paneOf(element) {
    const pane = element ? element.closest(".ws-pane") : null;
    return pane ? PANES[pane.id] : null;
  }

  function showPane(name) {
    if (name) workspace.dataset.pane = name;
  }

  function followHash() {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    if (target) showPane(paneOf(target) || PANES[id]);
    else if (document.getElementById("item-pane")) showPane("item");
  }

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("[data-pane-to]") : null;
    if (!link || !workspace.contains(link)) return;
    const to = link.getAttribute("data-pane-to");
    if (to === "queue") return; // the queue is its own page: /console
    event.preventDefault();
    const hash = to === "side" ? "#side-pane" : "#item-pane";
    window.history.pushState(null, "", hash);
    showPane(to);
    const pane = document.getElementById(hash.slice(1));
    if (pane) pane.scrollTop = 0;
  });
  window.addEventListener("hashchange", followHash);
  window.addEventListener("popstate", followHash);
  followHash();

  // --- the thread opens at its newest message ---------------------------------------------
  if (thread) thread.scrollTop = thread.scrollHeight;

  // --- composer: a reply or an internal note ----------------------------------------------
  function setMode(mode) {
    if (!composer) return;
    if (mode === "reply" && !document.getElementById("reply-pane")) mode = "note";
    composer.dataset.mode = mode;
    for (const tab of composer.querySelectorAll("[data-composer]")) {
      tab.setAttribute("aria-selected", tab.dataset.composer === mode ? "true" : "false");
    }
  }

  if (composer) {
    const tabs = composer.querySelector(".composer-tabs");
    if (tabs) tabs.hidden = false;
    const note = document.getElementById("note-pane");
    const noteBody = document.getElementById("note-body");
    const noteActive =
      (note && note.querySelector(".field-error, .confirmation")) ||
      (noteBody && noteBody.value.trim() !== "");
    setMode(noteActive ? "note" : "reply");
    composer.addEventListener("click", (event) => {
      const tab = event.target instanceof Element ? event.target.closest("[data-composer]") : null;
      if (!tab) return;
      setMode(tab.dataset.composer);
      focusComposer();
    });
  }

  function focusComposer() {
    const field = document.getElementById(composer.dataset.mode === "note" ? "note-body" : "reply-body");
    if (field) field.focus();
  }

  // --- keyboard shortcuts -----------------------------------------------------------------
  const dialog = document.getElementById("shortcuts");

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function queueItems() {
    return Array.from(workspace.querySelectorAll(".queue-item"));
  }

  function move(step) {
    const items = queueItems();
    if (!items.length) return;
    const wide = workspace.classList.contains("wide");
    const mark = wide ? "selected" : "current";
    let index = items.findIndex((item) => item.classList.contains(mark));
    index = index === -1 ? (step > 0 ? 0 : items.length - 1) : index + step;
    if (index < 0 || index >= items.length) return;
    const item = items[index];
    if (wide) {
      for (const other of items) other.classList.remove("selected");
      item.classList.add("selected");
      item.scrollIntoView({ block: "nearest" });
      const link = item.querySelector("a");
      if (link) link.focus();
      return;
    }
    const link = item.querySelector("a");
    if (link) window.location.assign(link.href);
  }

  function showShortcuts() {
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-show-shortcuts]") : null;
    if (button) showShortcuts();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target) || (dialog && dialog.open)) return;
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      r: () => {
        const chat = document.getElementById("chat-text");
        if (chat) { showPane("item"); chat.focus(); return; }
        if (composer) { showPane("item"); setMode("reply"); focusComposer(); }
      },
      n: () => { if (composer) { showPane("item"); setMode("note"); focusComposer(); } },
      s: () => {
        const status = document.getElementById("status");
        if (!status) return;
        showPane("side");
        status.scrollIntoView({ block: "center" });
        status.focus();
      },
      "?": showShortcuts,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // --- notifications: the title badge and an optional sound --------------------------------
  const sound = document.getElementById("notify-sound");
  if (sound) {
    sound.checked = window.localStorage.getItem(SOUND_KEY) === "on";
    sound.addEventListener("change", () => {
      window.localStorage.setItem(SOUND_KEY, sound.checked ? "on" : "off");
    });
  }

  function beep() {
    if (window.localStorage.getItem(SOUND_KEY) !== "on") return;
    const Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    const audio = new Audio();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.08;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.18);
    tone.onended = () => audio.close();
  }

  function attention(queue) {
    // Customer messages waiting in the queue, and conversations newly given to me.
    const unread = Number(queue.dataset.unread || 0);
    const assigned = Number(queue.dataset.assignedToMe || 0);
    return { unread, assigned, total: unread + assigned };
  }

  let last = null;
  function notice(queue) {
    const now = attention(queue);
    document.title = now.total > 0 ? `(${now.total}) ${baseTitle}` : baseTitle;
    if (last && (now.unread > last.unread || now.assigned > last.assigned)) beep();
    last = now;
  }

  const current = document.getElementById("queue");
  if (current) notice(current);

  async function refresh() {
    if (document.hidden) return;
    const url = workspace.dataset.queueUrl;
    if (!url) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue");
      const shown = document.getElementById("queue");
      if (!fresh || !shown) return;
      // Beside an open item the queue is replaced; the wide table keeps the agent's place and
      // only the counts change.
      if (!workspace.classList.contains("wide") && shown.closest(".ws-queue")) {
        const scroll = shown.parentElement.scrollTop;
        shown.replaceWith(fresh);
        fresh.parentElement.scrollTop = scroll;
        notice(fresh);
      } else {
        shown.dataset.unread = fresh.dataset.unread || "0";
        shown.dataset.assignedToMe = fresh.dataset.assignedToMe || "0";
        notice(shown);
      }
    } catch (error) {
      /* the next round tries again */
    }
  }

  window.walletdeskWorkspace = { refresh };
  window.setInterval(refresh, 15000);

  // A conversation changed anywhere (a customer wrote, one was handed over or assigned): the
  // queue refreshes at once, not at the next round.
  let soon = null;
  if ("EventSource" in window) {
    const live = new EventSource("/console/live");
    live.addEventListener("inbox", () => {
      window.clearTimeout(soon);
      soon = window.setTimeout(refresh, 300);
    });
    window.addEventListener("pagehide", () => live.close());
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
