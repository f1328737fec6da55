/* A conversation in the agent's workspace, live: new messages over the conversation's
   WebSocket (resuming after the last sequence number shown), answers sent on it (a refused
   answer keeps its text and shows why), the customer's typing and read receipts, and who else
   is viewing or typing here. Without it the page and its form still work. */
"use strict";

(() => {
  const pane = document.querySelector("#item-pane[data-conversation]");
  if (!pane) return;
  const id = pane.dataset.conversation;
  const list = document.getElementById("transcript");
  const thread = document.getElementById("thread");
  const form = document.getElementById("chat-form");
  const text = document.getElementById("chat-text");
  const refused = document.getElementById("chat-refused");
  const typing = document.getElementById("chat-typing");
  const collision = document.getElementById("collision");
  const lang = (document.documentElement.lang || "zh").toLowerCase().startsWith("en") ? "en" : "zh";
  let last = Number(pane.dataset.last || 0);
  let socket = null;
  let failures = 0;
  let pending = null;
  let lastTyping = 0;
  let viewers = [];
  let typists = new Map(); // name → until when

  function label(author) {
    return list.dataset[`label${author.charAt(0).toUpperCase()}${author.slice(1)}`] || list.dataset.customer;
  }

  function time(iso) {
    const when = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  }

  function add(message) {
    if (list.querySelector(`[data-seq="${message.seq}"]`)) return;
    const item = document.createElement("li");
    const kind = message.data && message.data.kind ? ` kind-${message.data.kind}` : "";
    item.className = (message.author === "agent" ? "staff" : message.author) + kind;
    item.dataset.author = message.author;
    item.dataset.seq = String(message.seq);
    const head = document.createElement("p");
    head.className = "message-head";
    const who = document.createElement("strong");
    who.textContent = label(message.author);
    const at = document.createElement("span");
    at.className = "muted";
    at.textContent = time(message.created_at);
    head.append(who, " ", at);
    const body = document.createElement("div");
    body.className = "message-body";
    body.textContent = message.text;
    item.append(head, body);
    if (message.article && message.article.slug) {
      const link = document.createElement("a");
      link.className = "chat-article";
      link.href = `/help/articles/${encodeURIComponent(message.article.slug)}`;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = message.article.title || message.article.slug;
      item.appendChild(link);
    }
    if (message.data && message.data.kind === "attachment") {
      for (const file of message.data.attachments || []) {
        const href = `/api/v1/conversations/${encodeURIComponent(id)}/attachments/${Number(file.id)}`;
        const link = document.createElement("a");
        link.className = "chat-file";
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener";
        if (String(file.content_type || "").startsWith("image/")) {
          const picture = document.createElement("img");
          picture.className = "chat-picture";
          picture.src = href;
          picture.alt = file.name;
          link.appendChild(picture);
        }
        link.append(`${list.dataset.fileLabel || "File"}: ${file.name}`);
        item.appendChild(link);
      }
    }
    let next = null;
    for (const other of list.querySelectorAll("[data-seq]")) {
      if (Number(other.dataset.seq) > message.seq) { next = other; break; }
    }
    const atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 80;
    list.insertBefore(item, next);
    last = Math.max(last, message.seq);
    if (atBottom || message.author === "agent") thread.scrollTop = thread.scrollHeight;
    if (message.author === "agent" && pending !== null && text && text.value.trim() === pending) {
      text.value = "";
      pending = null;
    }
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function markRead() {
    if (!document.hidden && last) send({ type: "read", seq: last });
  }

  function showRead(seq) {
    for (const item of list.querySelectorAll("li[data-author=agent]")) {
      item.classList.toggle("is-read", Number(item.dataset.seq) <= seq);
    }
  }

  function showCollision() {
    const now = Date.now();
    typists = new Map([...typists].filter(([, until]) => until > now));
    const lines = [];
    if (viewers.length) lines.push(collision.dataset.viewing.replace("{names}", viewers.join(", ")));
    for (const name of typists.keys()) lines.push(collision.dataset.typing.replace("{name}", name));
    collision.textContent = lines.join(" · ");
    collision.hidden = lines.length === 0;
  }

  let typingTimer = null;
  function frame(data) {
    if (data.type === "message") {
      add(data);
      if (data.author === "customer") { typing.hidden = true; markRead(); }
    } else if (data.type === "typing") {
      if (data.author === "customer") {
        typing.hidden = false;
        window.clearTimeout(typingTimer);
        typingTimer = window.setTimeout(() => { typing.hidden = true; }, 4000);
      } else if (data.author === "agent" && data.name) {
        typists.set(data.name, Date.now() + 4000);
        showCollision();
        window.setTimeout(showCollision, 4100);
      }
    } else if (data.type === "read" && data.author === "customer") {
      showRead(data.seq || 0);
    } else if (data.type === "viewers") {
      viewers = data.names || [];
      showCollision();
    } else if (data.type === "state") {
      if (window.walletdeskWorkspace) window.walletdeskWorkspace.refresh();
    } else if (data.type === "error" && refused) {
      refused.textContent = data.message || "";
      refused.hidden = false;
      pending = null;
    }
  }

  function connect() {
    const url = new URL(`/api/v1/conversations/${id}/ws`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("after", String(last));
    url.searchParams.set("lang", lang);
    socket = new WebSocket(url.toString());
    socket.addEventListener("open", () => {
      failures = 0;
      pane.classList.remove("is-offline");
      markRead();
    });
    socket.addEventListener("message", (event) => {
      try { frame(JSON.parse(event.data)); } catch (error) { /* a bad frame is skipped */ }
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      pane.classList.add("is-offline");
      if (event.code === 4403 || event.code === 4404) return;
      failures += 1;
      window.setTimeout(connect, Math.min(8000, 500 * 2 ** failures));
    });
  }

  if (form && text) {
    form.addEventListener("submit", (event) => {
      const value = text.value.trim();
      if (!value) return;
      // Live when the socket is open; otherwise the form posts as it would without a script.
      if (send({ type: "message", text: value })) {
        event.preventDefault();
        pending = value;
        refused.hidden = true;
      }
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    text.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTyping > 2500) {
        lastTyping = now;
        send({ type: "typing" });
      }
    });
  }

  document.addEventListener("visibilitychange", markRead);
  thread.scrollTop = thread.scrollHeight;
  connect();
})();
