/* The WalletDesk chat: a launcher and panel that any page embeds with one script tag
     <script src="https://support.example/static/chat-widget.js" defer></script>
   or, with data-launcher="off", the same conversation inside an element marked
   data-walletdesk-chat (the portal's chats).

   A visitor's conversation is kept in localStorage (its id and token, per site); messages come
   over a WebSocket, or server-sent events when that fails (sending then goes by POST). Every
   message has a sequence number: after a reconnect or a reload the chat asks for what came
   after the last one it has, and drops what it already shows. */
"use strict";

(() => {
  const script = document.currentScript;
  const base = (script && script.dataset.base) || (script ? new URL(script.src).origin : window.location.origin);
  const API = `${base}/api/v1/conversations`;
  const STORE = `walletdesk.chat:${base}`;
  const OPEN = `walletdesk.chat.open:${base}`;

  function pageLang(element) {
    const lang = (element && element.dataset.lang) || (script && script.dataset.lang) || document.documentElement.lang || "zh";
    return lang.toLowerCase().startsWith("en") ? "en" : "zh";
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
  }

  function ensureStyles() {
    if (document.querySelector("link[data-walletdesk-chat-css]")) return;
    if (document.querySelector(`link[href$="/static/chat.css"]`)) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = `${base}/static/chat.css`;
    link.dataset.walletdeskChatCss = "";
    document.head.appendChild(link);
  }

  class Chat {
    constructor(root, options) {
      this.root = root;
      this.lang = options.lang;
      this.texts = options.texts;
      this.csrf = options.csrf || "";
      this.signedIn = Boolean(options.signedIn);
      this.stored = this.load();
      if (options.conversation) this.stored = { id: Number(options.conversation), token: null };
      this.last = 0; // the highest seq shown
      this.readSeq = 0; // what the other side has read
      this.socket = null;
      this.fallback = false;
      this.failures = 0;
      this.typingTimer = null;
      this.lastTyping = 0;
      this.build();
    }

    // --- storage ------------------------------------------------------------------------
    load() {
      try { return JSON.parse(window.localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
    }

    save() {
      if (this.stored) window.localStorage.setItem(STORE, JSON.stringify(this.stored));
      else window.localStorage.removeItem(STORE);
    }

    headers(json) {
      const headers = { Accept: "application/json" };
      if (json) headers["Content-Type"] = "application/json";
      if (this.stored && this.stored.token) headers["X-Conversation-Token"] = this.stored.token;
      if (this.csrf) headers["X-CSRF-Token"] = this.csrf;
      return headers;
    }

    async call(method, path, body) {
      // A FormData body (a file) goes as multipart, with the browser's own Content-Type.
      const form = body instanceof FormData;
      const response = await fetch(`${API}${path}`, {
        method,
        headers: this.headers(body !== undefined && !form),
        body: body === undefined || form ? body : JSON.stringify(body),
        credentials: base === window.location.origin ? "same-origin" : "omit",
      });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) {
        const said = data && (data.error ? data.error.message : data.message || data.detail);
        const error = new Error(typeof said === "string" ? said : this.texts.failed);
        error.status = response.status;
        throw error;
      }
      return data;
    }

    // --- the panel ------------------------------------------------------------------------
    build() {
      const t = this.texts;
      this.root.classList.add("wd-chat");
      this.root.setAttribute("lang", this.lang === "zh" ? "zh-CN" : "en");
      const head = el("div", "wd-chat-head");
      head.appendChild(el("strong", "wd-chat-title", t.title));
      this.root.appendChild(head);
      this.head = head;
      this.list = el("ol", "wd-chat-messages");
      this.list.setAttribute("aria-live", "polite");
      this.root.appendChild(this.list);
      this.list.appendChild(el("li", "wd-chat-intro", t.intro));
      this.status = el("p", "wd-chat-status");
      this.status.setAttribute("role", "status");
      this.status.hidden = true;
      this.root.appendChild(this.status);
      this.typing = el("p", "wd-chat-typing", t.typing);
      this.typing.hidden = true;
      this.root.appendChild(this.typing);
      this.error = el("p", "wd-chat-error");
      this.error.setAttribute("role", "alert");
      this.error.hidden = true;
      this.root.appendChild(this.error);
      const form = el("form", "wd-chat-form");
      this.input = el("textarea", "wd-chat-input");
      this.input.rows = 2;
      this.input.maxLength = 4000;
      this.input.placeholder = t.placeholder;
      this.input.setAttribute("aria-label", t.placeholder);
      const send = el("button", "wd-chat-send", t.send);
      send.type = "submit";
      this.person = el("button", "wd-chat-person", t.person);
      this.person.type = "button";
      // A screenshot or a PDF: checked by its content on the server, like a case's files.
      this.file = el("input", "wd-chat-file");
      this.file.type = "file";
      this.file.accept = "image/png,image/jpeg,image/gif,image/webp,application/pdf";
      this.file.hidden = true;
      const attach = el("button", "wd-chat-attach", t.attach);
      attach.type = "button";
      attach.title = t.attach;
      attach.addEventListener("click", () => this.file.click());
      this.file.addEventListener("change", () => {
        const chosen = this.file.files && this.file.files[0];
        this.file.value = "";
        if (chosen) this.sendFile(chosen);
      });
      const actions = el("div", "wd-chat-actions");
      const left = el("div", "wd-chat-tools");
      left.append(this.person, attach, this.file);
      actions.append(left, send);
      form.append(this.input, actions);
      this.root.appendChild(form);
      form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener("input", () => this.sendTyping());
      this.person.addEventListener("click", () => this.handover());
    }

    async start() {
      if (this.signedIn && this.stored && this.stored.token) await this.link();
      if (this.stored) {
        try {
          await this.catchUp();
          this.connect();
        } catch (error) {
          if (error.status === 404 || error.status === 401) { this.stored = null; this.save(); }
          else this.showError(error.message);
        }
      }
    }

    async link() {
      // A visitor who has signed in: their conversation becomes their customer's.
      try {
        await this.call("POST", `/${this.stored.id}/link`);
        this.stored = { id: this.stored.id, token: null };
        this.save();
      } catch (error) {
        this.stored = null;
        this.save();
      }
    }

    async ensureConversation() {
      if (this.stored) return;
      const started = await this.call("POST", "", { channel: "chat", lang: this.lang });
      this.stored = { id: started.id, token: started.token || null };
      this.save();
      this.connect();
    }

    async catchUp() {
      const data = await this.call("GET", `/${this.stored.id}?after=${this.last}`);
      this.readSeq = Math.max(this.readSeq, data.read_seq || 0);
      for (const message of data.messages) this.add(message);
      this.showState(data.state, data.queue_position, data.eta_minutes);
      this.markRead();
    }

    // --- transport ------------------------------------------------------------------------
    connect() {
      if (!this.stored || this.socket) return;
      if (this.fallback || !("WebSocket" in window)) { this.listen(); return; }
      const url = new URL(`${API}/${this.stored.id}/ws`);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("after", String(this.last));
      url.searchParams.set("lang", this.lang);
      if (this.stored.token) url.searchParams.set("token", this.stored.token);
      let opened = false;
      const socket = new WebSocket(url.toString());
      this.socket = socket;
      socket.addEventListener("open", () => {
        opened = true;
        this.failures = 0;
        this.setOffline(false);
        this.markRead();
      });
      socket.addEventListener("message", (event) => {
        let frame = null;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        this.frame(frame);
      });
      socket.addEventListener("close", (event) => {
        this.socket = null;
        if (event.code === 4404 || event.code === 4403) {
          this.showError(event.reason || this.texts.failed);
          return;
        }
        this.failures += 1;
        // A WebSocket that never opened (a proxy that blocks it): server-sent events instead.
        if (!opened && this.failures >= 2) this.fallback = true;
        this.setOffline(true);
        window.setTimeout(() => this.connect(), Math.min(8000, 500 * 2 ** this.failures));
      });
    }

    async listen() {
      // Server-sent events, read with fetch (an EventSource cannot send the visitor's token).
      if (this.listening) return;
      this.listening = true;
      while (this.stored) {
        try {
          const response = await fetch(`${API}/${this.stored.id}/events?after=${this.last}`, {
            headers: this.headers(false),
            credentials: base === window.location.origin ? "same-origin" : "omit",
          });
          if (!response.ok || !response.body) throw new Error(String(response.status));
          this.setOffline(false);
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let cut = buffer.indexOf("\n\n");
            while (cut !== -1) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const lines = block.split("\n");
              const named = lines.find((line) => line.startsWith("event: "));
              const kind = named ? named.slice(7) : "message";
              const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
              if (data) { try { this.frame({ ...JSON.parse(data), type: kind }); } catch (e) { /* a bad event is skipped */ } }
              cut = buffer.indexOf("\n\n");
            }
          }
          await this.catchUp(); // the state, which the stream carries only while queued
        } catch (error) {
          this.setOffline(true);
          await new Promise((resolve) => window.setTimeout(resolve, 2000));
        }
      }
      this.listening = false;
    }

    frame(frame) {
      if (frame.type === "message") {
        this.add(frame);
        if (frame.author !== "customer") { this.typing.hidden = true; this.markRead(); }
      } else if (frame.type === "typing" && frame.author === "agent") {
        this.typing.hidden = false;
        window.clearTimeout(this.typingTimer);
        this.typingTimer = window.setTimeout(() => { this.typing.hidden = true; }, 4000);
      } else if (frame.type === "read" && frame.author === "agent") {
        this.readSeq = Math.max(this.readSeq, frame.seq || 0);
        this.showRead();
      } else if (frame.type === "queue") {
        this.showState(frame.state, frame.position, frame.eta_minutes);
      } else if (frame.type === "state") {
        this.showState(frame.state, frame.position === undefined ? null : frame.position, frame.eta_minutes);
      } else if (frame.type === "error") {
        this.showError(frame.message);
      }
    }

    // --- showing ------------------------------------------------------------------------
    add(message) {
      if (!message || typeof message.seq !== "number" || this.list.querySelector(`[data-seq="${message.seq}"]`)) return;
      const t = this.texts;
      const kind = message.data && message.data.kind ? message.data.kind : "";
      const item = el("li", `wd-chat-msg from-${message.author}${kind ? ` kind-${kind}` : ""}`);
      item.dataset.seq = String(message.seq);
      const who = { customer: t.you, assistant: t.assistant, agent: t.agent, system: t.system }[message.author] || "";
      item.appendChild(el("span", "wd-chat-who", who));
      item.appendChild(el("p", "wd-chat-text", message.text));
      if (message.article && message.article.slug) {
        const link = el("a", "wd-chat-article", `${t.article}: ${message.article.title || message.article.slug}`);
        link.href = `${base}/help/articles/${encodeURIComponent(message.article.slug)}?lang=${this.lang}`;
        link.target = "_blank";
        link.rel = "noopener";
        item.appendChild(link);
      }
      if (kind === "attachment") {
        for (const file of message.data.attachments || []) item.appendChild(this.fileLink(file));
      }
      if (message.author === "customer") item.appendChild(el("span", "wd-chat-read", t.read));
      // In order of seq, whatever order they arrive in.
      let next = null;
      for (const other of this.list.querySelectorAll("[data-seq]")) {
        if (Number(other.dataset.seq) > message.seq) { next = other; break; }
      }
      this.list.insertBefore(item, next);
      this.last = Math.max(this.last, message.seq);
      if (message.data && message.data.kind === "closed") this.showState("closed", null, null);
      this.showRead();
      this.list.scrollTop = this.list.scrollHeight;
    }

    fileLink(file) {
      // The file is fetched with the visitor's token (a plain link could not send it), then
      // shown: a picture in the chat, any file opened on a click.
      const box = el("div", "wd-chat-file-box");
      const link = el("a", "wd-chat-file-link", `${this.texts.file}: ${file.name}`);
      link.href = "#";
      box.appendChild(link);
      const fetched = () => fetch(`${API}/${this.stored.id}/attachments/${Number(file.id)}`, {
        headers: this.headers(false),
        credentials: base === window.location.origin ? "same-origin" : "omit",
      }).then((response) => {
        if (!response.ok) throw new Error(this.texts.failed);
        return response.blob();
      });
      let address = null;
      const ready = () => (address ? Promise.resolve(address) : fetched().then((blob) => {
        address = URL.createObjectURL(blob);
        return address;
      }));
      link.addEventListener("click", (event) => {
        event.preventDefault();
        ready().then((url) => {
          const save = document.createElement("a");
          save.href = url;
          save.download = file.name;
          save.target = "_blank";
          document.body.appendChild(save);
          save.click();
          save.remove();
        }).catch((error) => this.showError(error.message));
      });
      if (String(file.content_type || "").startsWith("image/")) {
        ready().then((url) => {
          const picture = el("img", "wd-chat-picture");
          picture.alt = file.name;
          picture.addEventListener("load", () => { this.list.scrollTop = this.list.scrollHeight; });
          picture.src = url;
          box.insertBefore(picture, link);
        }).catch(() => {});
      }
      return box;
    }

    showRead() {
      for (const mark of this.list.querySelectorAll(".from-customer")) {
        mark.classList.toggle("is-read", Number(mark.dataset.seq) <= this.readSeq);
      }
    }

    showState(state, position, minutes) {
      if (state) this.root.dataset.state = state;
      if (state === "queued" && position) {
        const wait = Math.max(minutes || 1, 1);
        this.status.textContent = wait < 60
          ? fill(this.texts.queue, { position, minutes: wait })
          : fill(this.texts.queue_hours, { position, hours: Math.floor(wait / 60), minutes: wait % 60 });
        this.status.hidden = false;
      } else if (state === "assigned") {
        this.status.textContent = this.texts.assigned;
        this.status.hidden = false;
      } else if (state === "closed") {
        this.status.textContent = this.texts.closed;
        this.status.hidden = false;
      } else {
        this.status.hidden = true;
      }
      this.person.hidden = state === "queued" || state === "assigned";
    }

    showError(text) {
      this.error.textContent = text || "";
      this.error.hidden = !text;
    }

    setOffline(offline) {
      this.root.classList.toggle("is-offline", offline);
      if (offline) this.showError(this.texts.offline);
      else if (this.error.textContent === this.texts.offline) this.showError("");
    }

    // --- acting ------------------------------------------------------------------------
    async submit() {
      const text = this.input.value.trim();
      if (!text) return;
      this.showError("");
      // The box empties as the message leaves: the answer to the POST can come after the
      // assistant's reply, and the customer may be typing the next message by then.
      this.input.value = "";
      try {
        await this.ensureConversation();
        // Sent by POST, which answers with the stored message (or why it was refused);
        // what follows (an answer, a warning) comes over the live connection or the catch-up.
        const message = await this.call("POST", `/${this.stored.id}/messages`, { text });
        this.add(message);
        if (!this.socket || this.socket.readyState !== WebSocket.OPEN) await this.catchUp();
      } catch (error) {
        this.giveBack(text);
        this.showError(error.message);
      }
    }

    giveBack(text) {
      // A message that was not sent goes back in the box, before anything typed since.
      const typed = this.input.value.trim();
      this.input.value = typed ? `${text}\n${typed}` : text;
    }

    async sendFile(file) {
      this.showError("");
      const before = { text: this.status.textContent, hidden: this.status.hidden };
      this.status.textContent = this.texts.sending_file;
      this.status.hidden = false;
      const caption = this.input.value.trim(); // the file's caption leaves with it
      if (caption) this.input.value = "";
      try {
        await this.ensureConversation();
        const form = new FormData();
        form.append("file", file, file.name);
        if (caption) form.append("text", caption);
        const data = await this.call("POST", `/${this.stored.id}/attachments`, form);
        this.add(data);
        if (!this.socket || this.socket.readyState !== WebSocket.OPEN) await this.catchUp();
      } catch (error) {
        if (caption) this.giveBack(caption);
        this.showError(error.message);
      } finally {
        if (this.status.textContent === this.texts.sending_file) { // no newer state shown since
          this.status.textContent = before.text;
          this.status.hidden = before.hidden;
        }
      }
    }

    sendTyping() {
      const now = Date.now();
      if (now - this.lastTyping < 2500) return;
      this.lastTyping = now;
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify({ type: "typing" }));
      }
    }

    markRead() {
      if (!this.stored || !this.last || this.root.hidden) return;
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify({ type: "read", seq: this.last }));
      } else if (this.fallback) {
        this.call("POST", `/${this.stored.id}/read`, { seq: this.last }).catch(() => {});
      }
    }

    async handover() {
      try {
        await this.ensureConversation();
        const data = await this.call("POST", `/${this.stored.id}/handover`, { reason: "requested" });
        for (const message of data.messages) this.add(message);
        this.showState(data.state, data.queue_position, data.eta_minutes);
      } catch (error) {
        this.showError(error.message);
      }
    }
  }

  async function texts(lang) {
    const response = await fetch(`${base}/api/v1/chat/texts?lang=${lang}`, { credentials: "omit" });
    return response.json();
  }

  async function inline(element) {
    const lang = pageLang(element);
    const chat = new Chat(element, {
      lang,
      texts: await texts(lang),
      csrf: element.dataset.csrf,
      signedIn: element.dataset.signedIn === "customer",
      conversation: element.dataset.conversation,
    });
    await chat.start();
    return chat;
  }

  async function launcher() {
    const lang = pageLang(null);
    const t = await texts(lang);
    const button = el("button", "wd-chat-launcher", t.open);
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    const panel = el("section", "wd-chat-panel");
    panel.setAttribute("aria-label", t.title);
    panel.hidden = true;
    const chat = new Chat(panel, {
      lang,
      texts: t,
      csrf: script ? script.dataset.csrf : "",
      signedIn: script ? script.dataset.signedIn === "customer" : false,
    });
    const close = el("button", "wd-chat-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    chat.head.appendChild(close);
    function toggle(open) {
      panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      window.sessionStorage.setItem(OPEN, open ? "1" : "0");
      if (open) { chat.markRead(); chat.input.focus(); chat.list.scrollTop = chat.list.scrollHeight; }
    }
    button.addEventListener("click", () => toggle(panel.hidden));
    close.addEventListener("click", () => toggle(false));
    document.body.append(panel, button);
    await chat.start();
    if (window.sessionStorage.getItem(OPEN) === "1") toggle(true);
    return chat;
  }

  async function boot() {
    ensureStyles();
    const spots = document.querySelectorAll("[data-walletdesk-chat]");
    const chats = [];
    for (const spot of spots) chats.push(await inline(spot));
    if (!spots.length && !(script && script.dataset.launcher === "off")) chats.push(await launcher());
    window.walletdeskChat = chats[0] || null;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
