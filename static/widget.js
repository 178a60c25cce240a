/* Horn chat widget: one classic script, no build step, no third-party requests.
 *
 * Embed: <script src="{origin}/static/widget.js" data-horn-cid="{oid}" data-horn-server="{origin}" async></script>
 *
 * Layout of this file:
 *   util      - storage (namespaced by cid), HTTP over XMLHttpRequest, ids
 *   Conn      - the ONLY code that speaks the push protocol: state/init, /ws, /pull
 *               fall-back and back, backoff with jitter, heartbeat, resume from `version`,
 *               reinit, dedupe by mid. It hands finished events to the views.
 *   Widget    - chat state (visitor, chat, outbox) and the views (launcher, panel).
 *   window.Horn - the public JS API (docs/widget.md), replaying calls queued before load.
 *
 * Security: every user-supplied string is set with textContent; links and images are built
 * with createElement after an http(s) check. No string is ever parsed as HTML here.
 * Robustness against the host page: requests use XMLHttpRequest captured at load (a page may
 * override fetch), arrays are iterated with for...of / indices (a page may extend
 * Array.prototype), and everything visible lives in a Shadow DOM with its own styles.
 */
(function () {
  "use strict";
  var W = window;
  if (W.Horn && W.Horn.__horn) return; // loaded twice: the first copy serves the page

  var script = document.currentScript || document.querySelector("script[data-horn-cid]");
  if (!script) return;
  var CID = script.getAttribute("data-horn-cid") || "";
  var SERVER = (script.getAttribute("data-horn-server") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  // The settings page's live preview (/org/settings/preview/): drawn, never tracked or connected.
  var PREVIEW = script.hasAttribute("data-horn-preview");
  var XHR = W.XMLHttpRequest;
  var NativeWS = W.WebSocket;
  var FETCH = /\[native code\]/.test(Function.prototype.toString.call(W.fetch || "")) ? W.fetch.bind(W) : null;
  var setT = W.setTimeout.bind(W);
  var clearT = W.clearTimeout.bind(W);
  var now = function () { return Date.now(); };

  // ---------------------------------------------------------------- strings
  var STRINGS = {
    en: {
      open: "Open chat", close: "Close chat", title: "Chat with us", greeting: "Hi! How can we help you today?",
      message: "Message", placeholder: "Write a message…", send: "Send", attach: "Attach a file",
      pending: "Pending", sending: "Sending…", failed: "Not sent", retry: "Try again", seen: "Seen",
      typing: "{name} is typing…", queue: "You are number {n} in the queue.", waiting: "Waiting for an agent…",
      joined: "{name} joined the chat.", left: "{name} left the chat.", ended: "The chat has ended.",
      endedReason: "The chat has ended: {reason}", newChat: "Start a new chat", endChat: "End chat",
      rateQ: "How was this chat?", rateThanks: "Thanks for your feedback!", comment: "Comment (optional)",
      rate: "Send rating", star: "{n} of 5", offlineTitle: "Leave us a message",
      offlineText: "We are not available right now. Leave a message and we will get back to you.",
      name: "Your name", email: "Your e-mail", start: "Start chat", optional: "(optional)",
      error: "The chat is unavailable right now.", offline: "You are offline. Messages will be sent when you are back.",
      connecting: "Connecting…", tooLarge: "{name} is too large (at most {max}).",
      badType: "{name} is not a type of file we accept.", uploadFailed: "Could not upload {name}.",
      agentDone: "{name} has finished. Write again if you need more help.",
      closed: "Nobody is available right now. Leave a message and we will reply here.",
      agent: "Agent", you: "You", unread: "{n} unread", transferred: "You were transferred.",
      thanks: "Thanks! We will reply here as soon as we can.", needEmail: "Please enter a valid e-mail.",
      needName: "Please enter your name.", earlier: "Show earlier messages", needMessage: "Please write a message.", unreachable: "Horn cannot be reached.", file: "File"
    },
    zh: {
      open: "打开聊天", close: "关闭聊天", title: "与我们聊天", greeting: "您好！有什么可以帮您？",
      message: "消息", placeholder: "输入消息…", send: "发送", attach: "添加文件",
      pending: "待发送", sending: "发送中…", failed: "未发送", retry: "重试", seen: "已读",
      typing: "{name} 正在输入…", queue: "您在队列中排第 {n} 位。", waiting: "正在等待客服…",
      joined: "{name} 加入了聊天。", left: "{name} 离开了聊天。", ended: "聊天已结束。",
      endedReason: "聊天已结束：{reason}", newChat: "开始新的聊天", endChat: "结束聊天",
      rateQ: "这次聊天体验如何？", rateThanks: "感谢您的反馈！", comment: "评论（可选）",
      rate: "提交评分", star: "{n} / 5", offlineTitle: "给我们留言",
      offlineText: "我们现在不在线。请留言，我们会尽快回复您。",
      name: "您的姓名", email: "您的邮箱", start: "开始聊天", optional: "（可选）",
      error: "聊天暂时不可用。", offline: "您已离线。恢复连接后将发送消息。",
      connecting: "正在连接…", tooLarge: "{name} 太大（最大 {max}）。",
      badType: "不支持 {name} 的文件类型。", uploadFailed: "无法上传 {name}。",
      agentDone: "{name} 已处理完毕。如需更多帮助，请再次留言。",
      closed: "现在没有客服在线。请留言，我们会在这里回复。",
      agent: "客服", you: "您", unread: "{n} 条未读", transferred: "您已被转接。",
      thanks: "谢谢！我们会尽快在这里回复。", needEmail: "请输入有效的邮箱。",
      needName: "请输入您的姓名。", earlier: "显示更早的消息", needMessage: "请输入留言。", unreachable: "无法连接到服务器。", file: "文件"
    },
    sv: {
      open: "Öppna chatten", close: "Stäng chatten", title: "Chatta med oss", greeting: "Hej! Hur kan vi hjälpa dig?",
      message: "Meddelande", placeholder: "Skriv ett meddelande…", send: "Skicka", attach: "Bifoga en fil",
      pending: "Väntar", sending: "Skickar…", failed: "Inte skickat", retry: "Försök igen", seen: "Läst",
      typing: "{name} skriver…", queue: "Du är nummer {n} i kön.", waiting: "Väntar på en medarbetare…",
      joined: "{name} anslöt till chatten.", left: "{name} lämnade chatten.", ended: "Chatten är avslutad.",
      endedReason: "Chatten är avslutad: {reason}", newChat: "Starta en ny chatt", endChat: "Avsluta chatten",
      rateQ: "Hur var chatten?", rateThanks: "Tack för ditt omdöme!", comment: "Kommentar (valfritt)",
      rate: "Skicka betyg", star: "{n} av 5", offlineTitle: "Lämna ett meddelande",
      offlineText: "Vi är inte tillgängliga just nu. Lämna ett meddelande så hör vi av oss.",
      name: "Ditt namn", email: "Din e-post", start: "Starta chatten", optional: "(valfritt)",
      error: "Chatten är inte tillgänglig just nu.", offline: "Du är offline. Meddelanden skickas när du är tillbaka.",
      connecting: "Ansluter…", tooLarge: "{name} är för stor (högst {max}).",
      badType: "{name} är inte en filtyp vi tar emot.", uploadFailed: "Kunde inte ladda upp {name}.",
      agentDone: "{name} är klar. Skriv igen om du behöver mer hjälp.",
      closed: "Ingen är tillgänglig just nu. Lämna ett meddelande så svarar vi här.",
      agent: "Medarbetare", you: "Du", unread: "{n} olästa", transferred: "Du har kopplats vidare.",
      thanks: "Tack! Vi svarar här så snart vi kan.", needEmail: "Ange en giltig e-postadress.",
      needName: "Ange ditt namn.", earlier: "Visa tidigare meddelanden", needMessage: "Skriv ett meddelande.", unreachable: "Servern går inte att nå.", file: "Fil"
    }
  };
  var LANGS = ["en", "zh", "sv"];
  function pickLang(code) {
    code = String(code || "").toLowerCase().slice(0, 2);
    return LANGS.indexOf(code) >= 0 ? code : "";
  }

  // ---------------------------------------------------------------- util
  var mem = {}; // storage fall-back when localStorage is unavailable (private modes, blocked)
  var PREFIX = "horn:" + (PREVIEW ? "preview:" : "") + CID + ":"; // a preview never touches a real visitor's state
  var store = {
    get: function (k) {
      var raw;
      try { raw = W.localStorage.getItem(PREFIX + k); } catch (e) { raw = mem[k]; }
      if (raw == null) return null;
      try { return JSON.parse(raw); } catch (e) { return null; }
    },
    set: function (k, v) {
      var raw = JSON.stringify(v);
      try { W.localStorage.setItem(PREFIX + k, raw); } catch (e) { mem[k] = raw; }
    },
    del: function (k) {
      try { W.localStorage.removeItem(PREFIX + k); } catch (e) { delete mem[k]; }
    }
  };
  function rid(n) {
    var a = new Uint8Array(n), s = "", abc = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    W.crypto.getRandomValues(a);
    for (var i = 0; i < n; i++) s += abc[a[i] % 62];
    return s;
  }
  function fmt(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, function (_, k) { return vars && vars[k] != null ? String(vars[k]) : ""; });
  }
  function qs(params) {
    var out = [];
    for (var k of Object.keys(params)) {
      if (params[k] != null && params[k] !== "") out.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
    }
    return out.join("&");
  }
  function bytes(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1).replace(/\.0$/, "") + " MB" : Math.ceil(n / 1024) + " KB";
  }
  function backoff(attempt, cap) {
    // Full jitter (AWS's "exponential backoff and jitter"): thousands of widgets reconnecting
    // after a server restart spread out instead of arriving in waves.
    var ceil = Math.min(cap || 30000, 1000 * Math.pow(2, attempt));
    return Math.round(ceil / 2 + Math.random() * ceil / 2);
  }

  /* One HTTP request. Resolves {status, body}; status 0 means the network failed.
   * opts: {method, path, query, body (object -> JSON, FormData as is), token, timeout, progress, xhrOut} */
  function http(opts) {
    return new Promise(function (resolve) {
      var x = new XHR();
      var url = SERVER + opts.path + (opts.query ? "?" + qs(opts.query) : "");
      x.open(opts.method || "GET", url, true);
      x.timeout = opts.timeout || 20000;
      if (opts.token) x.setRequestHeader("X-Horn-Token", opts.token);
      var body = opts.body;
      if (body != null && !(body instanceof FormData)) {
        x.setRequestHeader("Content-Type", "application/json");
        body = JSON.stringify(body);
      }
      if (opts.progress && x.upload) {
        x.upload.onprogress = function (e) { if (e.lengthComputable) opts.progress(e.loaded / e.total); };
      }
      var done = function () {
        var parsed = null;
        try { parsed = JSON.parse(x.responseText); } catch (e) { parsed = null; }
        resolve({ status: x.status, body: parsed });
      };
      x.onload = done;
      x.onerror = x.ontimeout = x.onabort = function () { resolve({ status: 0, body: null }); };
      if (opts.xhrOut) opts.xhrOut(x);
      x.send(body == null ? null : body);
    });
  }

  // ---------------------------------------------------------------- Conn
  /* The push protocol (docs/push.md). Events go to `onEvent(msg)` exactly once each and in
   * order; a fresh snapshot goes to `onInit(state)`; transport changes to `onMode(mode)`.
   * `visitor()` returns {uid, token, track_id} when asked, so a re-tracked visitor is picked up. */
  function Conn(hooks) {
    this.h = hooks;
    this.version = null; // the cursor: last applied `version` (decimal string)
    this.addr = "";
    this.mode = "offline";
    this.ws = null;
    this.pollXhr = null;
    this.attempt = 0;
    this.wsFailures = 0;
    this.preferWs = !!NativeWS;
    this.timer = null;
    this.probeTimer = null;
    this.beatTimer = null;
    this.lastFrame = 0;
    this.running = false;
    this.gen = 0; // bumped on stop/reinit: callbacks of an older generation are ignored
    this.seen = new Set();
    this.interval = 30;
  }
  Conn.prototype.start = function () {
    if (this.running) return;
    this.running = true;
    this.init();
  };
  Conn.prototype.stop = function () {
    this.running = false;
    this.gen++;
    this.teardown();
    this.setMode("offline");
  };
  Conn.prototype.teardown = function () {
    clearT(this.timer); clearT(this.probeTimer); clearT(this.beatTimer);
    if (this.ws) { var ws = this.ws; this.ws = null; ws.onclose = ws.onmessage = ws.onerror = ws.onopen = null; try { ws.close(); } catch (e) { /* gone */ } }
    if (this.pollXhr) { var x = this.pollXhr; this.pollXhr = null; try { x.abort(); } catch (e) { /* gone */ } }
  };
  Conn.prototype.setMode = function (mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.h.onMode(mode);
  };
  Conn.prototype.retry = function (fn) {
    // Called after a failure: wait, then try again; the connection counts as offline meanwhile.
    var self = this, gen = this.gen;
    clearT(this.timer);
    this.setMode("offline");
    this.timer = setT(function () { if (gen === self.gen && self.running) fn.call(self); }, backoff(this.attempt++));
  };
  Conn.prototype.init = function () {
    var self = this, gen = ++this.gen, v = this.h.visitor();
    this.teardown();
    http({ path: "/api/state/init", query: { uid: v.uid, track_id: v.track_id }, token: v.token }).then(function (r) {
      if (gen !== self.gen || !self.running) return;
      if (r.status === 200 && r.body && r.body.state) {
        self.version = r.body.state.version;
        self.addr = r.body.addr || "";
        self.seen = new Set();
        self.h.onInit(r.body.state);
        self.connect();
      } else if (r.status === 401 || r.status === 403) {
        self.running = false;
        self.h.onAuth(r);
      } else {
        self.h.onTrouble(r);
        self.retry(self.init);
      }
    });
  };
  Conn.prototype.connect = function () {
    if (this.preferWs) this.openWs(false);
    else this.poll();
  };
  Conn.prototype.wsUrl = function () {
    var v = this.h.visitor();
    var host = this.addr || SERVER.replace(/^https?:\/\//, "");
    var scheme = SERVER.indexOf("https:") === 0 ? "wss://" : "ws://";
    return scheme + host + "/ws?" + qs({ uid: v.uid, track_id: v.track_id, version: this.version, token: v.token });
  };
  /* probe: true while long-polling, to find out whether websockets work again. */
  Conn.prototype.openWs = function (probe) {
    var self = this, gen = this.gen, opened = false, ws;
    try { ws = new NativeWS(this.wsUrl()); } catch (e) { ws = null; }
    if (!ws) { this.wsFailed(probe); return; }
    if (!probe) this.ws = ws;
    ws.onopen = function () {
      if (gen !== self.gen) { ws.close(); return; }
      opened = true;
      if (probe) { // websockets are back: stop polling, take over from the poll's cursor
        if (self.pollXhr) { var x = self.pollXhr; self.pollXhr = null; x.abort(); }
        ws.close(); // reopen with the cursor the poll reached, so nothing is replayed twice or skipped
        self.preferWs = true;
        self.wsFailures = 0;
        self.openWs(false);
        return;
      }
      self.attempt = 0;
      self.wsFailures = 0;
      self.wsWorked = true;
      self.lastFrame = now();
      self.setMode("websocket");
      self.heartbeat();
      self.h.onConnected();
    };
    ws.onmessage = function (e) {
      if (gen !== self.gen || probe) return;
      self.lastFrame = now();
      var frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      if (frame && frame.type) self.deliver(frame);
      else if (frame && frame.reinit) self.reinit();
      else if (frame && frame.interval) self.interval = frame.interval;
      else if (frame && frame.code) self.lastError = frame; // the reason sent before a close (e.g. banned, 2007)
    };
    ws.onclose = function (e) {
      if (gen !== self.gen || probe && opened) return;
      if (!probe) self.ws = null;
      clearT(self.beatTimer);
      if (e.code === 4409) { self.reinit(); return; }
      if (e.code === 4401 || e.code === 4403) { self.running = false; self.setMode("offline"); self.h.onAuth({ status: e.code === 4401 ? 401 : 403, body: self.lastError || null }); return; }
      if (!opened) { self.wsFailed(probe); return; }
      self.retry(self.connect); // a drop after working: reconnect (with backoff) from the cursor
    };
  };
  Conn.prototype.wsFailed = function (probe) {
    // Websockets do not get through (a proxy, a firewall): long-poll now, and look again later.
    var self = this, gen = this.gen;
    this.wsFailures++;
    if (!probe) {
      this.preferWs = false;
      this.poll();
    }
    clearT(this.probeTimer);
    this.probeTimer = setT(function () {
      if (gen === self.gen && self.running && !self.preferWs) self.openWs(true);
    }, backoff(Math.min(this.wsFailures + 4, 8), 300000)); // ~30 s, then up to 5 minutes
  };
  Conn.prototype.heartbeat = function () {
    // A ping frame at the server's interval; a socket silent for two intervals is dead (a
    // sleeping laptop, a dropped NAT mapping) and is replaced.
    var self = this, gen = this.gen;
    clearT(this.beatTimer);
    this.beatTimer = setT(function () {
      if (gen !== self.gen || !self.ws) return;
      if (now() - self.lastFrame > self.interval * 2000 + 5000) { self.ws.close(); return; }
      try { self.ws.send(JSON.stringify({ type: "ping" })); } catch (e) { /* onclose follows */ }
      self.heartbeat();
    }, this.interval * 1000);
  };
  Conn.prototype.poll = function () {
    var self = this, gen = this.gen, v = this.h.visitor();
    clearT(this.beatTimer);
    // A poll the server holds for a second is a working connection (it answers at once only
    // when events are due), so the connection counts as up without waiting for the answer.
    var held = setT(function () {
      if (gen === self.gen && self.running && !self.preferWs && self.pollXhr && self.mode !== "long-poll") {
        self.attempt = 0;
        self.setMode("long-poll");
        self.h.onConnected();
      }
    }, 1000);
    http({
      path: "/pull", query: { uid: v.uid, track_id: v.track_id, version: this.version, token: v.token },
      timeout: 75000, xhrOut: function (x) { self.pollXhr = x; }
    }).then(function (r) {
      clearT(held);
      if (gen !== self.gen || !self.running || self.preferWs) return;
      self.pollXhr = null;
      if (r.status === 200 && r.body) {
        self.attempt = 0;
        if (self.mode !== "long-poll") { self.setMode("long-poll"); self.h.onConnected(); }
        for (var m of r.body.data || []) self.deliver(m);
        if (r.body.version) self.version = maxVersion(self.version, r.body.version);
        self.poll();
      } else if (r.status === 409 && r.body && r.body.reinit) {
        self.reinit();
      } else if (r.status === 401 || r.status === 403) {
        self.running = false;
        self.h.onAuth(r);
      } else if (self.wsWorked) {
        // Long-poll fails too: the server (or the network) is down, not websockets blocked.
        // Websockets worked before, so try them first again once it is back.
        self.preferWs = true;
        self.retry(self.connect);
      } else {
        self.retry(self.poll);
      }
    });
  };
  Conn.prototype.reinit = function () {
    // The server cannot replay from our cursor: take a fresh snapshot (docs/push.md "Re-init").
    this.init();
  };
  Conn.prototype.deliver = function (m) {
    if (m.version != null) {
      // Apply only what is after the cursor (compared as integers, docs/push.md), once per mid.
      if (this.version != null && Number(m.version) <= Number(this.version)) return;
      this.version = String(m.version);
    }
    if (m.mid) {
      if (this.seen.has(m.mid)) return;
      this.seen.add(m.mid);
    }
    this.h.onEvent(m);
  };
  Conn.prototype.nudge = function () {
    // The browser says the network is back: skip the rest of the backoff.
    if (!this.running || this.mode !== "offline") return;
    clearT(this.timer);
    this.attempt = 0;
    if (this.version == null) this.init();
    else this.connect();
  };
  function maxVersion(a, b) {
    return a == null || Number(b) > Number(a) ? String(b) : a;
  }

  // ---------------------------------------------------------------- styles
  var CSS = [
    ":host{all:initial!important;position:static!important;display:block!important}",
    ".root{--c:#1f4e8c;--t:#fff;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif;color:#1a1a1a;-webkit-font-smoothing:antialiased}",
    ".root *{box-sizing:border-box;font:inherit;letter-spacing:normal;text-transform:none}",
    "button,input,textarea{color:inherit;margin:0}",
    ".launcher{position:fixed;bottom:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;background:var(--c);color:var(--t);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;padding:0}",
    ".left .launcher,.left .panel{left:20px}.right .launcher,.right .panel{right:20px}",
    ".launcher svg{width:28px;height:28px;fill:currentColor}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;border-radius:11px;background:#b3261e;color:#fff;font-size:12px;font-weight:700;display:flex;align-items:center;justify-content:center;padding:0 6px}",
    ".panel{position:fixed;bottom:92px;z-index:2147483001;width:370px;height:min(600px,calc(100vh - 120px));background:#fff;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}",
    "[hidden]{display:none!important}",
    ".head{background:var(--c);color:var(--t);padding:12px 14px;display:flex;align-items:center;gap:10px}",
    ".head h2{margin:0;font-size:16px;font-weight:700;flex:1}",
    ".head .sub{font-size:13px;font-weight:400;display:block;opacity:.95}",
    ".avatar{width:34px;height:34px;border-radius:50%;background:rgba(255,255,255,.25);display:flex;align-items:center;justify-content:center;font-weight:700}",
    ".icon{background:transparent;border:0;color:inherit;cursor:pointer;font-size:22px;line-height:1;padding:4px 8px;border-radius:6px}",
    ".endbtn{font-size:13px;border:1px solid currentColor}",
    ".banner{padding:8px 14px;font-size:13px;background:#fff4ce;color:#3d2e00;border-bottom:1px solid #e8d48a}",
    ".banner.err{background:#fde7e9;color:#6e0b10;border-color:#f1b3b8}",
    ".banner button{margin-left:8px;border:1px solid currentColor;background:transparent;border-radius:6px;padding:2px 8px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}",
    ".msg{max-width:82%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #dde1e6;align-self:flex-start}",
    ".msg.me{align-self:flex-end;background:var(--c);color:var(--t);border-color:transparent}",
    ".msg .who{display:block;font-size:12px;font-weight:700;color:#4a4f57;margin-bottom:2px}",
    ".msg.me a{color:inherit}.msg a{color:inherit;text-decoration:underline}",
    ".msg img{display:block;max-width:100%;max-height:220px;border-radius:8px;margin-top:2px}",
    ".meta{font-size:12px;color:#555b63;align-self:flex-end;margin-top:-4px}",
    // Pending: a light bubble with a dashed edge (not faded: its text must keep AA contrast).
    ".msg.me.pending{background:#eef2f7;color:#1a1a1a;border:1px dashed var(--c)}.msg.me.pending .meta{color:#3d434b}",
    ".info{align-self:center;font-size:13px;color:#4a4f57;text-align:center;max-width:90%}",
    ".more{align-self:center}.qr{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start}",
    ".qr button,.btn{border:1px solid var(--c);background:#fff;color:var(--c);border-radius:16px;padding:6px 12px;cursor:pointer}",
    ".btn.primary,.send{background:var(--c);color:var(--t);border:0}",
    ".typing{font-size:13px;color:#4a4f57;padding:0 14px 4px;min-height:18px;background:#f6f7f9}",
    ".compose{display:flex;align-items:flex-end;gap:6px;padding:10px;border-top:1px solid #dde1e6;background:#fff}",
    ".compose textarea{flex:1;resize:none;border:1px solid #8a9099;border-radius:10px;padding:8px 10px;min-height:40px;max-height:120px;background:#fff}",
    ".send{border-radius:10px;padding:9px 14px;cursor:pointer;font-weight:700}",
    ".attach{background:transparent;border:1px solid #8a9099;border-radius:10px;width:40px;height:40px;cursor:pointer;color:#33373d;display:flex;align-items:center;justify-content:center;padding:0}",
    ".attach svg{width:20px;height:20px;fill:currentColor}",
    ".form{padding:14px;background:#f6f7f9;display:flex;flex-direction:column;gap:10px;overflow-y:auto}",
    ".form label{display:flex;flex-direction:column;gap:4px;font-size:14px;font-weight:600}",
    ".form input,.form textarea{border:1px solid #8a9099;border-radius:8px;padding:8px 10px;font-weight:400;background:#fff}",
    ".form p{margin:0}.ftitle{margin:0;font-size:16px;font-weight:700}.hint{font-size:13px;color:#b3261e}",
    ".stars{display:flex;gap:4px}.stars button{font-size:24px;background:transparent;border:0;cursor:pointer;color:#8a6d00;padding:2px}",
    ".stars button[aria-pressed=true]{color:#c28f00}",
    ".bar{height:4px;background:#dde1e6;border-radius:2px;overflow:hidden;margin-top:4px}.bar i{display:block;height:100%;background:var(--c);width:0}",
    "@media (max-width:480px){.panel{left:0!important;right:0!important;top:0;bottom:0;width:100%;height:100%;border-radius:0}}",
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}"
  ].join("\n");

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    if (attrs) {
      for (var k of Object.keys(attrs)) {
        var v = attrs[k];
        if (v == null || v === false) continue;
        if (k === "text") n.textContent = v;
        else if (k === "cls") n.className = v;
        else if (k.slice(0, 2) === "on") n.addEventListener(k.slice(2), v);
        else n.setAttribute(k, v === true ? "" : v);
      }
    }
    for (var c of kids || []) if (c) n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return n;
  }
  var ICONS = {
    chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
    clip: "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"
  };
  function svg(name) {
    // Inline paths, not emoji: a machine without an emoji font would show boxes.
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg"), p = document.createElementNS(ns, "path");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    p.setAttribute("d", ICONS[name]);
    s.appendChild(p);
    return s;
  }
  function safeUrl(src) {
    // Only http(s) links and images, and only from Horn for uploads: never javascript:/data: URLs.
    try {
      var u = new URL(src, SERVER);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  // ---------------------------------------------------------------- Widget
  function Widget(host) {
    this.host = host;
    this.listeners = {};
    this.config = null;
    this.lang = pickLang(store.get("lang")) || "";
    this.isOpen = false;
    this.hiddenByApi = false;
    this.chat = null; // {id, state, queue, agent}
    this.unread = 0;
    this.visitorInfo = store.get("visitor"); // {uid, token}
    this.trackId = "";
    this.customer = null;
    this.conn = null;
    this.ready = false;
    this.msgs = []; // rendered visitor-visible messages of the current chat
    this.readUpTo = 0; // staff read receipts: version
    this.error = null;
    this.ratingFor = null;
    this.rated = false;
    this.lastRead = "";
    this.offlineSent = false;
    this.flushing = false;
    this.flushAttempt = 0;
    this.echoWait = {}; // mid -> outbox item: accepted by the server, not yet back through push
    this.typingSent = 0;
    this.typingTimer = null;
    this.staffTypingTimer = null;
  }
  var P = Widget.prototype;

  P.t = function (key, vars) {
    var lang = this.lang || pickLang(this.config && this.config.widget.language) || pickLang(navigator.language) || "en";
    return fmt(STRINGS[lang][key] || STRINGS.en[key], vars);
  };
  P.langCode = function () {
    return this.lang || pickLang(this.config && this.config.widget.language) || pickLang(navigator.language) || "en";
  };
  P.emit = function (name, data) {
    for (var fn of (this.listeners[name] || []).slice()) {
      try { fn(data); } catch (e) { setT(function () { throw e; }); } // a host's handler error is its own
    }
  };
  P.state = function () {
    return {
      visitor: { uid: this.visitorInfo ? this.visitorInfo.uid : null },
      chat: this.chat ? { id: this.chat.id, state: this.chat.state } : null,
      unread: this.unread, open: this.isOpen, connection: this.conn ? this.conn.mode : "offline"
    };
  };

  // --- boot: config and track (2 requests), then push only when there is a chat
  P.boot = function () {
    var self = this;
    this.build();
    if (PREVIEW) { this.loadConfig().then(function (ok) { if (ok) self.preview(); }); return; }
    this.loadConfig().then(function (ok) { if (ok) self.start(); });
    var self2 = this;
    W.addEventListener("online", function () { if (self2.conn) self2.conn.nudge(); self2.flush(); });
    W.addEventListener("offline", function () { self2.renderBanner(); });
    W.addEventListener("storage", function (e) { self2.onStorage(e); });
    W.addEventListener("pagehide", function () { self2.unload(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible" || !self2.isOpen) return;
      if (self2.unread) { self2.unread = 0; self2.emit("unread", 0); self2.renderBadge(); }
      self2.markRead();
    });
    this.watchNavigation();
  };
  P.start = function () {
    // Config in hand: draw in its colours, track, and connect only if there is a chat to follow.
    var self = this;
    this.restyle();
    this.render();
    this.track().then(function (tracked) {
      if (!tracked) return;
      self.ready = true;
      self.render();
      self.emit("ready", self.state());
      if (store.get("chat") || self.customer || self.outbox().length) self.connect();
      else self.pingLoop();
    });
  };
  P.preview = function () {
    // The admin's unsaved settings come from the settings page around this one (same origin only) and
    // are drawn by the same code as a visitor's widget: what the admin sees is what visitors will get.
    var self = this;
    W.addEventListener("message", function (e) {
      if (e.origin !== location.origin || !e.data || e.data.type !== "horn-preview") return;
      self.config.widget = e.data.widget;
      self.available = e.data.closed ? { open: false, reason: "outside_hours" } : { open: true };
      self.restyle();
      self.render();
    });
    this.isOpen = true;
    this.restyle();
    this.render();
    if (W.parent !== W) W.parent.postMessage({ type: "horn-preview-ready" }, location.origin);
  };
  P.loadConfig = function () {
    var self = this;
    return http({ path: "/api/widget/config", query: { cid: CID } }).then(function (r) {
      self.answered = true;
      if (r.status === 200 && r.body && r.body.widget) {
        self.config = r.body;
        self.error = null;
        self.available = r.body.available;
        self.emit("availability", r.body.available);
        return true;
      }
      self.fail(r);
      return false;
    });
  };
  P.fail = function (r) {
    var why = r.status === 0 ? "network" : r.body && r.body.msg ? r.body.msg + " (" + r.body.code + ")" : "HTTP " + r.status;
    this.error = why;
    this.render();
  };
  P.retryBoot = function () {
    this.error = null;
    this.render();
    var self = this;
    this.loadConfig().then(function (ok) {
      if (!ok) return;
      if (self.ready) { self.restyle(); self.render(); } else self.start();
    });
  };
  P.visitor = function () {
    return { uid: this.visitorInfo && this.visitorInfo.uid, token: this.visitorInfo && this.visitorInfo.token, track_id: this.trackId };
  };
  P.track = function () {
    var self = this, v = this.visitorInfo;
    var fp = store.get("fp");
    if (!fp) { fp = rid(16); store.set("fp", fp); }
    var body = { cid: CID, fp: fp, url: location.href.slice(0, 2048), title: document.title.slice(0, 512), referer: document.referrer.slice(0, 2048) };
    var ua = uaInfo();
    if (ua.os) body.os = ua.os;
    if (ua.browser) body.browser = ua.browser;
    if (v && v.uid) body.uid = v.uid;
    if (this.customer) body.customer = this.customer;
    return http({ method: "POST", path: "/api/user/track", body: body, token: v && v.token }).then(function (r) {
      if (r.status === 200 && r.body && r.body.uid) {
        self.trackId = r.body.track_id;
        if (!v || v.uid !== r.body.uid || v.token !== r.body.token) {
          self.visitorInfo = { uid: r.body.uid, token: r.body.token };
          store.set("visitor", self.visitorInfo);
        }
        return true;
      }
      if (r.status === 401 && v) { // a stored token the server no longer accepts: start afresh
        self.forget();
        return self.track();
      }
      if (r.status === 403 && r.body && r.body.code === 2006 && self.customer) {
        // identify() with a hash the server refuses: carry on as an anonymous visitor.
        self.customer = null;
        return self.track();
      }
      self.fail(r);
      return false;
    });
  };
  function uaInfo() {
    // What staff see in the visitor list ("Firefox 128 on Linux"); a rough reading is enough.
    var ua = navigator.userAgent || "";
    var os = /Android/.test(ua) ? "Android" : /iPhone|iPad|iPod/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows"
      : /Mac OS X/.test(ua) ? "macOS" : /CrOS/.test(ua) ? "ChromeOS" : /Linux/.test(ua) ? "Linux" : "";
    var names = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"], ["Version/", "Safari"]];
    for (var pair of names) {
      var at = ua.indexOf(pair[0]);
      if (at >= 0) return { os: os, browser: pair[1] + " " + parseInt(ua.slice(at + pair[0].length), 10) };
    }
    return { os: os, browser: "" };
  }
  P.watchNavigation = function () {
    // Single-page sites change pages without a load: each change is a page view.
    var self = this, last = location.href, timer = null;
    var check = function () {
      clearT(timer);
      timer = setT(function () {
        if (location.href === last || !self.ready) return;
        last = location.href;
        self.track();
      }, 50);
    };
    var push = history.pushState;
    history.pushState = function () { var out = push.apply(this, arguments); check(); return out; };
    W.addEventListener("popstate", check);
    W.addEventListener("hashchange", check);
  };
  P.pingLoop = function () {
    // No push connection (no chat yet): a heartbeat keeps the visitor on staff's online list.
    var self = this;
    clearT(this.pingTimer);
    this.pingTimer = setT(function () {
      if (self.conn && self.conn.running) return; // the push connection keeps us online
      var v = self.visitor();
      http({ path: "/api/ping", query: { uid: v.uid, track_id: v.track_id }, token: v.token }).then(function (r) {
        if (r.body && r.body.interval) self.config.heartbeat = r.body.interval;
        self.pingLoop();
      });
    }, ((this.config && this.config.heartbeat) || 30) * 1000);
  };
  P.connect = function () {
    if (this.conn && this.conn.running) return;
    var self = this;
    if (!this.conn) {
      this.conn = new Conn({
        visitor: function () { return self.visitor(); },
        onInit: function (s) { self.onInit(s); },
        onEvent: function (m) { self.onEvent(m); },
        onMode: function (mode) { self.renderBanner(); self.emit("connection", mode); },
        onConnected: function () { self.flush(); },
        onTrouble: function () { self.renderBanner(); },
        onAuth: function (r) { self.onAuthLost(r); }
      });
      this.conn.interval = (this.config && this.config.heartbeat) || 30;
    }
    this.conn.start();
  };
  P.onAuthLost = function (r) {
    // 401: our token is gone (e.g. the visitor was logged out elsewhere): track afresh.
    // 403: banned or the site is no longer allowed: say so and stop.
    var self = this;
    if (r.status === 401) {
      this.forget();
      this.track().then(function (ok) { if (ok) self.connect(); });
    } else {
      this.fail(r);
    }
  };

  // --- state from the server
  P.onInit = function (state) {
    var open = null;
    for (var c of state.chats || []) if (c.state !== "ended") { open = c; break; }
    if (state.available) { this.available = state.available; this.emit("availability", state.available); }
    this.msgs = [];
    this.logEl && this.clearLog();
    if (open) {
      this.chat = { id: open.id, state: open.state, queue: open.queue_number || null, agent: null };
      store.set("chat", open.id);
      var staffRead = 0;
      for (var uid of Object.keys(open.read || {})) if (uid !== this.visitorInfo.uid) staffRead = Math.max(staffRead, Number(open.read[uid]));
      this.readUpTo = staffRead;
      this.hasMore = !!open.has_more;
      for (var m of open.msgs || []) { this.conn.seen.add(m.mid); this.apply(m, true); }
    } else {
      this.chat = null;
      store.del("chat");
    }
    this.renderPending();
    this.render();
    this.markRead();
  };
  P.loadEarlier = function () {
    // state/init holds a chat's latest messages only; older ones are a history page away.
    var self = this, chat = this.chat, oldest = null, v = this.visitor();
    for (var m of this.msgs) if (m.version) { oldest = m.version; break; }
    if (!chat || !oldest) return;
    http({ path: "/api/chat/history", query: { chat: chat.id, before: oldest, limit: 50 }, token: v.token }).then(function (r) {
      if (r.status !== 200 || self.chat !== chat) return;
      // Redraw the whole conversation, older first; the chat's state stays what the server said last.
      var all = (r.body.msgs || []).concat(self.msgs), state = chat.state, queue = chat.queue;
      self.hasMore = !!r.body.has_more;
      self.msgs = [];
      self.clearLog();
      for (var x of all) { if (x.mid && self.conn) self.conn.seen.add(x.mid); self.apply(x, true); }
      chat.state = state;
      chat.queue = queue;
      self.renderPending();
      self.render();
      self.logEl.scrollTop = 0;
    });
  };
  P.onEvent = function (m) {
    if (this.chat && m.chat && m.chat.id && m.chat.id !== this.chat.id && m.type !== "request_chat") {
      if (this.chat.state !== "ended") return; // not our chat (cannot happen for a visitor; cheap to check)
    }
    this.apply(m, false);
    this.render();
  };
  /* One message or event of our chat, from init (history) or push. */
  P.apply = function (m, fromInit) {
    var me = this.visitorInfo && m.from && m.from.id === this.visitorInfo.uid;
    var staff = m.from && (m.from.role === "staff" || m.from.role === "bot");
    switch (m.type) {
      case "request_chat":
        var id = (m.chat && m.chat.id) || (m.event && m.event.chat && m.event.chat.id);
        if (!this.chat || this.chat.id !== id) {
          this.chat = { id: id, state: "requested", queue: null, agent: null };
          this.msgs = [];
          this.clearLog();
          this.readUpTo = 0;
          store.set("chat", id);
          if (!fromInit) this.emit("chat_started", { id: id });
        }
        return;
      case "queue_number":
        if (this.chat) this.chat.queue = m.event && m.event.position;
        return;
      case "platform_closed":
        this.available = { open: false, reason: m.event && m.event.reason };
        this.emit("availability", this.available);
        return;
      case "typing":
        if (staff) this.showTyping(m.event && m.event.on ? m.from.name || this.t("agent") : "");
        return;
      case "read":
        if (staff && m.event) { this.readUpTo = Math.max(this.readUpTo, Number(m.event.version || 0)); this.renderSeen(); }
        return;
    }
    if (!this.chat) return;
    this.msgs.push(m);
    if (!fromInit) this.emit("message", m);
    switch (m.type) {
      case "text": case "file": case "image":
        if (staff) { this.showTyping(""); if (!fromInit) this.bumpUnread(); }
        if (staff && this.chat.state === "agent_done") this.chat.state = "active";
        if (me) this.settle(m);
        this.addBubble(m, me);
        break;
      case "join_chat":
        if (staff) {
          this.chat.state = "active"; this.chat.queue = null;
          this.chat.agent = m.from.name || this.t("agent");
          this.addInfo(this.t("joined", { name: this.chat.agent }));
        }
        break;
      case "leave_chat":
        this.addInfo(this.t("left", { name: (m.from && m.from.name) || this.t("agent") }));
        break;
      case "transfer":
        this.addInfo(this.t("transferred"));
        break;
      case "info":
        this.addInfo(m.text);
        break;
      case "agent_done":
        this.chat.state = "agent_done";
        this.addInfo(this.t("agentDone", { name: (m.from && m.from.name) || this.chat.agent || this.t("agent") }));
        this.ratingFor = this.chat.id;
        break;
      case "end_chat":
        this.chat.state = "ended";
        var reason = m.event && m.event.reason;
        this.addInfo(reason ? this.t("endedReason", { reason: reason }) : this.t("ended"));
        this.ratingFor = this.chat.id;
        store.del("chat");
        if (!fromInit) this.emit("chat_ended", { id: this.chat.id, reason: reason || "" });
        break;
      case "rate":
        this.rated = true;
        break;
    }
    if (m.version && !fromInit) this.markRead();
  };
  P.bumpUnread = function () {
    if (this.isOpen && document.visibilityState !== "hidden") return;
    this.unread++;
    this.emit("unread", this.unread);
    this.renderBadge();
    if (this.config && this.config.widget.sound) this.beep();
  };
  P.beep = function () {
    try {
      var C = W.AudioContext || W.webkitAudioContext, ctx = new C(), o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; g.gain.value = 0.05; o.connect(g); g.connect(ctx.destination);
      o.start(); o.stop(ctx.currentTime + 0.12);
    } catch (e) { /* no audio: the badge still shows */ }
  };
  P.markRead = function () {
    // Read receipt for the last staff message the visitor can see (the panel open, the tab visible).
    if (!this.isOpen || !this.chat || document.visibilityState === "hidden") return;
    var last = null;
    for (var i = this.msgs.length - 1; i >= 0; i--) {
      var m = this.msgs[i];
      if (m.from && m.from.role !== "user" && m.mid && m.version) { last = m; break; }
    }
    if (!last || last.mid === this.lastRead || this.chat.state === "ended") return;
    this.lastRead = last.mid;
    this.post({ type: "read", chat: { id: this.chat.id }, event: { mid: last.mid } });
  };
  P.post = function (body, key) {
    var v = this.visitor();
    body.from = { id: v.uid, role: "user" };
    if (key) body.client_msg_id = key;
    return http({ method: "POST", path: "/api/message", body: body, token: v.token });
  };

  // --- outbox: what the visitor wrote, kept until the server has it (offline-first)
  P.outbox = function () { return store.get("outbox") || []; };
  P.saveOutbox = function (box) { if (box.length) store.set("outbox", box); else store.del("outbox"); };
  P.queueText = function (text, payload) {
    if (PREVIEW) return; // nothing is sent from a preview
    var item = { id: "w" + rid(20), text: text, t: now() };
    if (payload) item.payload = payload;
    var box = this.outbox();
    box.push(item);
    this.saveOutbox(box);
    this.renderPending();
    this.flush();
  };
  P.flush = function () {
    // One at a time, in order. Another tab may flush the same item: client_msg_id makes the
    // server store it once and answer both with the same mid.
    var self = this;
    if (this.flushing || !this.ready) return;
    var box = this.outbox();
    if (!box.length) return;
    var item = box[0];
    this.flushing = true;
    var later = function (r) {
      // Network down, server restarting, or over a limit: keep it and try again (the browser's
      // online event and the push connection's recovery also flush at once).
      self.flushing = false;
      self.renderPending();
      clearT(self.flushTimer);
      self.flushTimer = setT(function () { self.flush(); }, r.status === 429 && r.body && r.body.retry_after ? r.body.retry_after * 1000 : backoff(self.flushAttempt++ % 5));
    };
    var drop = function (r) {
      // Refused for good (e.g. too long, banned): say so instead of retrying forever.
      self.saveOutbox(self.outbox().filter(function (x) { return x.id !== item.id; }));
      self.flushing = false;
      self.renderPending();
      self.addInfo(self.t("failed") + ": " + item.text.slice(0, 80) + " — " + ((r.body && r.body.msg) || "HTTP " + r.status));
      self.flush();
    };
    var transient = function (r) { return r.status === 0 || r.status >= 500 || r.status === 429; };
    this.ensureChat(item.id).then(function (r) {
      if (!r.id) { if (transient(r)) later(r); else drop(r); return; }
      var body = { type: "text", chat: { id: r.id }, text: item.text };
      if (item.payload) body.quick_reply_payload = item.payload;
      return self.post(body, item.id).then(function (r) {
        if (r.status === 200) {
          self.flushAttempt = 0;
          if (!(self.conn && self.conn.seen.has(r.body.mid))) self.echoWait[r.body.mid] = item;
          self.saveOutbox(self.outbox().filter(function (x) { return x.id !== item.id; }));
          self.flushing = false;
          self.renderPending();
          self.flush();
        } else if (r.status === 409 && r.body && r.body.code === 4001) {
          // The chat ended before this left: the next attempt opens a new chat for it.
          store.del("chat");
          self.chat = null;
          self.flushing = false;
          self.flush();
        } else if (transient(r)) later(r);
        else drop(r);
      });
    });
  };
  P.ensureChat = function (key) {
    // The chat to post into: the open one, or a new one (request_chat, idempotent by its key).
    var self = this;
    if (this.chat && this.chat.state !== "ended") return Promise.resolve({ id: this.chat.id });
    var body = { type: "request_chat", event: { uids: [this.visitorInfo.uid] } };
    return this.sendPrechat().then(function () { return self.post(body, "rq-" + key); }).then(function (r) {
      if (r.status !== 200) return r;
      var id = r.body.chat.id;
      if (!self.chat || self.chat.id !== id) {
        self.chat = { id: id, state: "requested", queue: null, agent: null };
        self.msgs = [];
        self.clearLog();
        self.readUpTo = 0;
        store.set("chat", id);
        self.emit("chat_started", { id: id });
      }
      if (r.body.available) { self.available = r.body.available; self.emit("availability", r.body.available); }
      self.connect();
      self.render();
      return { id: id };
    });
  };
  P.sendPrechat = function () {
    // Pre-chat name/e-mail reach staff as the visitor's (unverified) customer details, with a track.
    var pre = store.get("prechat");
    if (!pre || this.customer && this.customer.hash) return Promise.resolve();
    var self = this;
    this.customer = { id: "visitor:" + this.visitorInfo.uid, name: pre.name || "", email: pre.email || "" };
    return this.track().then(function () { store.del("prechat"); if (!self.customer.hash) self.customer = null; });
  };
  P.settle = function (m) {
    // Our own message came back through push: its "sending" copy goes.
    if (this.echoWait[m.mid]) { delete this.echoWait[m.mid]; this.renderPending(); }
  };
  P.onStorage = function (e) {
    // Another tab of this visitor changed something: pick it up.
    if (!e.key || e.key.indexOf(PREFIX) !== 0) return;
    var k = e.key.slice(PREFIX.length);
    if (k === "outbox") this.renderPending();
    if (k === "chat" && e.newValue && this.ready && (!this.conn || !this.conn.running)) this.connect();
    if (k === "visitor" && !e.newValue) { this.visitorInfo = null; if (this.conn) this.conn.stop(); }
  };

  // --- visitor actions
  P.submitText = function () {
    var text = this.input.value;
    if (!text.trim()) return;
    this.input.value = "";
    this.stopTyping();
    this.queueText(text);
    this.input.focus();
  };
  P.onDraft = function () {
    // The draft goes to staff (sneak peek) at most every 1.5 s, and once more after the last key.
    if (!this.chat || this.chat.state === "ended") return;
    var self = this, wait = 1500 - (now() - this.typingSent);
    clearT(this.typingTimer);
    var go = function () {
      self.typingSent = now();
      var text = self.input.value;
      self.post({ type: "typing", chat: { id: self.chat.id }, event: { on: !!text, text: text.slice(0, 1000) } });
    };
    if (wait <= 0) go();
    else this.typingTimer = setT(go, wait);
  };
  P.stopTyping = function () {
    clearT(this.typingTimer);
    this.typingSent = 0;
  };
  P.endChat = function () {
    if (!this.chat) return;
    this.post({ type: "end_chat", chat: { id: this.chat.id }, event: { reason: "" } }, "end-" + this.chat.id);
  };
  P.newChat = function () {
    this.chat = null;
    this.msgs = [];
    this.ratingFor = null;
    this.rated = false;
    this.clearLog();
    store.del("chat");
    this.render();
    this.input && this.input.focus();
  };
  P.rate = function (score, comment) {
    var self = this, id = this.ratingFor;
    var ev = { score: score };
    if (comment) ev.comment = comment.slice(0, 1000);
    this.post({ type: "rate", chat: { id: id }, event: ev }, "rate-" + id).then(function (r) {
      if (r.status === 200 || r.body && r.body.code === 4005) { self.rated = true; self.render(); }
    });
  };
  P.sendFile = function (file) {
    if (PREVIEW) return;
    var self = this, cfg = this.config.files;
    if (file.size > cfg.max_size) { this.addInfo(this.t("tooLarge", { name: file.name, max: bytes(cfg.max_size) })); return; }
    if (cfg.accepted.length && !accepts(cfg.accepted, file.type)) { this.addInfo(this.t("badType", { name: file.name })); return; }
    var bar = el("i"), row = el("div", { cls: "msg me pending" }, [file.name, el("div", { cls: "bar", role: "progressbar", "aria-label": file.name }, [bar])]);
    this.logEl.appendChild(row);
    this.scroll();
    this.ensureChat("f" + rid(8)).then(function (r) {
      var chatId = r.id;
      if (!chatId) { row.remove(); self.addInfo(self.t("uploadFailed", { name: file.name })); return; }
      var form = new FormData();
      form.append("file", file, file.name);
      return http({
        method: "POST", path: "/api/files", query: { chat: chatId }, body: form, token: self.visitor().token, timeout: 300000,
        progress: function (p) { bar.style.width = Math.round(p * 100) + "%"; }
      }).then(function (r) {
        row.remove();
        if (r.status !== 200) {
          self.addInfo(self.t("uploadFailed", { name: file.name }) + (r.body && r.body.msg ? " " + r.body.msg : ""));
          return;
        }
        var f = r.body.file, key = "file-" + f.id;
        var body = f.width
          ? { type: "image", chat: { id: chatId }, image: { src: f.src, width: f.width, height: f.height, size: f.size } }
          : { type: "file", chat: { id: chatId }, file: { name: f.name, src: f.src, size: f.size } };
        return self.post(body, key);
      });
    });
  };
  function accepts(list, type) {
    for (var a of list) {
      if (a === type || a.slice(-2) === "/*" && type.indexOf(a.slice(0, -1)) === 0) return true;
    }
    return false;
  }
  P.unload = function () {
    // The tab closes or reloads: tell staff (a hint; a reload sends it too). keepalive outlives the page.
    if (!this.chat || this.chat.state === "ended" || !FETCH || !this.visitorInfo) return;
    try {
      FETCH(SERVER + "/api/message", {
        method: "POST", keepalive: true, headers: { "Content-Type": "application/json", "X-Horn-Token": this.visitorInfo.token },
        body: JSON.stringify({ type: "client_unload", chat: { id: this.chat.id }, from: { id: this.visitorInfo.uid } })
      }).catch(function () { /* the page is going */ });
    } catch (e) { /* the page is going */ }
  };
  P.forget = function () {
    store.del("visitor"); store.del("chat"); store.del("outbox"); store.del("prechat");
    this.visitorInfo = null;
    this.chat = null;
    this.msgs = [];
    if (this.conn) { this.conn.stop(); this.conn = null; }
    this.clearLog();
  };

  // --- views
  P.build = function () {
    var self = this;
    var root = this.host.attachShadow({ mode: "open" });
    var css = null;
    try {
      css = new CSSStyleSheet();
      css.replaceSync(CSS);
      root.adoptedStyleSheets = [css];
    } catch (e) {
      root.appendChild(el("style", { text: CSS }));
    }
    this.shadow = root;
    this.badge = el("span", { cls: "badge", hidden: true, "aria-hidden": "true" });
    this.launcher = el("button", { cls: "launcher", type: "button", "aria-expanded": "false", onclick: function () { self.toggle(); } }, [svg("chat"), this.badge]);
    this.title = el("h2", { id: "horn-title" });
    this.avatar = el("span", { cls: "avatar", "aria-hidden": "true", hidden: true });
    this.endBtn = el("button", { cls: "icon endbtn", type: "button", hidden: true, onclick: function () { self.endChat(); } });
    this.closeBtn = el("button", { cls: "icon", type: "button", onclick: function () { self.close(); } }, ["×"]);
    this.bannerEl = el("div", { cls: "banner", role: "status", hidden: true });
    this.logEl = el("div", { cls: "log", role: "log", "aria-live": "polite", "aria-labelledby": "horn-title", tabindex: "0" });
    this.typingEl = el("div", { cls: "typing", "aria-live": "polite" });
    this.moreBtn = el("button", { cls: "btn more", type: "button", onclick: function () { self.loadEarlier(); } });
    this.input = el("textarea", { rows: "1", oninput: function () { self.onDraft(); } });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.submitText(); }
    });
    this.fileInput = el("input", { type: "file", hidden: true, onchange: function () { var f = self.fileInput.files[0]; self.fileInput.value = ""; if (f) self.sendFile(f); } });
    this.attachBtn = el("button", { cls: "attach", type: "button", onclick: function () { self.fileInput.click(); } }, [svg("clip")]);
    this.sendBtn = el("button", { cls: "send", type: "button", onclick: function () { self.submitText(); } });
    this.compose = el("div", { cls: "compose" }, [this.attachBtn, this.fileInput, this.input, this.sendBtn]);
    this.formEl = el("div", { cls: "form", hidden: true });
    this.footEl = el("div", { cls: "form", hidden: true });
    this.panel = el("div", { cls: "panel", role: "dialog", "aria-labelledby": "horn-title", hidden: true }, [
      el("div", { cls: "head" }, [this.avatar, this.title, this.endBtn, this.closeBtn]),
      this.bannerEl, this.formEl, this.logEl, this.typingEl, this.footEl, this.compose
    ]);
    this.panel.addEventListener("keydown", function (e) { if (e.key === "Escape") self.close(); });
    this.rootEl = el("div", { cls: "root right" }, [this.panel, this.launcher]);
    root.appendChild(this.rootEl);
    this.render();
  };
  P.restyle = function () {
    var w = this.config.widget;
    this.rootEl.className = "root " + (w.position === "left" ? "left" : "right");
    this.rootEl.style.setProperty("--c", w.colour);
    this.rootEl.style.setProperty("--t", onColour(w.colour));
  };
  function luminance(hex) {
    // WCAG 2 relative luminance of a #rrggbb colour.
    var out = 0, weights = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i++) {
      var c = parseInt(hex.substr(1 + 2 * i, 2), 16) / 255;
      out += weights[i] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return out;
  }
  function onColour(hex) {
    // White text on the org's colour, unless dark text contrasts better (a yellow brand, say):
    // whichever is chosen, text on the brand colour keeps the best contrast it can have (WCAG AA).
    var l = luminance(hex);
    return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#1a1a1a" : "#fff";
  }
  P.clearLog = function () {
    if (!this.logEl) return;
    while (this.logEl.firstChild) this.logEl.removeChild(this.logEl.firstChild);
    this.pendingEls = {};
  };
  P.scroll = function () { this.logEl.scrollTop = this.logEl.scrollHeight; };
  P.addInfo = function (text) {
    this.logEl.appendChild(el("div", { cls: "info", text: text }));
    this.scroll();
  };
  P.addBubble = function (m, me) {
    var who = me ? null : el("span", { cls: "who", text: (m.from && m.from.name) || this.t("agent") });
    var body;
    if (m.type === "image" && m.image && safeUrl(m.image.src)) {
      body = el("a", { href: safeUrl(m.image.src), target: "_blank", rel: "noopener noreferrer" }, [
        el("img", { src: safeUrl(m.image.src), alt: this.t("file"), width: m.image.width, height: m.image.height })
      ]);
    } else if (m.type === "file" && m.file && safeUrl(m.file.src)) {
      body = el("a", { href: safeUrl(m.file.src), target: "_blank", rel: "noopener noreferrer", download: m.file.name || true, text: (m.file.name || this.t("file")) + (m.file.size ? " (" + bytes(m.file.size) + ")" : "") });
    } else {
      body = el("span", { text: m.text == null ? "" : String(m.text) });
    }
    var node = el("div", { cls: "msg" + (me ? " me" : ""), "data-mid": m.mid || "", "data-version": m.version || "" }, [who, body]);
    this.logEl.appendChild(node);
    var qr = m.quick_replies;
    if (qr && qr.length && !me) {
      var self = this, box = el("div", { cls: "qr", role: "group" });
      for (var q of qr) {
        (function (q) {
          box.appendChild(el("button", { type: "button", text: q.text, onclick: function () { box.remove(); self.queueText(q.text, q.payload); } }));
        })(q);
      }
      this.qrBox && this.qrBox.remove();
      this.qrBox = box;
      this.logEl.appendChild(box);
    } else if (me && this.qrBox) {
      this.qrBox.remove();
      this.qrBox = null;
    }
    this.renderSeen();
    this.scroll();
  };
  P.renderSeen = function () {
    // "Seen" under the visitor's last message that staff have read.
    if (!this.logEl) return;
    var old = this.logEl.querySelector(".meta.seen");
    if (old) old.remove();
    var mine = this.logEl.querySelectorAll(".msg.me[data-version]");
    for (var i = mine.length - 1; i >= 0; i--) {
      var v = Number(mine[i].getAttribute("data-version"));
      if (v && v <= this.readUpTo) {
        mine[i].after(el("div", { cls: "meta seen", text: this.t("seen") }));
        return;
      }
    }
  };
  P.renderPending = function () {
    // The outbox, drawn after the conversation: what the visitor wrote that the server has not got yet.
    if (!this.logEl) return;
    for (var old of Array.from(this.logEl.querySelectorAll(".msg.pending[data-key]"))) old.remove();
    var offline = !navigator.onLine || !this.conn || this.conn.mode === "offline";
    var items = this.outbox().map(function (x) { return [x, offline]; });
    for (var mid of Object.keys(this.echoWait)) items.unshift([this.echoWait[mid], false]);
    for (var pair of items) {
      this.logEl.appendChild(el("div", { cls: "msg me pending", "data-key": pair[0].id }, [
        pair[0].text, el("span", { cls: "meta", text: " · " + (pair[1] ? this.t("pending") : this.t("sending")) })
      ]));
    }
    this.scroll();
  };
  P.showTyping = function (name) {
    var self = this;
    clearT(this.staffTypingTimer);
    this.typingEl.textContent = name ? this.t("typing", { name: name }) : "";
    // A typing "on" without its "off" (the agent's tab closed) fades after a while.
    if (name) this.staffTypingTimer = setT(function () { self.typingEl.textContent = ""; }, 8000);
  };
  P.renderBadge = function () {
    this.badge.hidden = !this.unread;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.launcher.setAttribute("aria-label", (this.isOpen ? this.t("close") : this.t("open")) + (this.unread ? ", " + this.t("unread", { n: this.unread }) : ""));
  };
  P.renderBanner = function () {
    var b = this.bannerEl;
    while (b.firstChild) b.removeChild(b.firstChild);
    b.className = "banner";
    var self = this;
    if (this.error) {
      b.className = "banner err";
      b.setAttribute("role", "alert");
      b.appendChild(document.createTextNode(this.t("error") + " " + (this.error === "network" ? this.t("unreachable") : this.error)));
      b.appendChild(el("button", { type: "button", text: this.t("retry"), onclick: function () { self.retryBoot(); } }));
      b.hidden = false;
      return;
    }
    b.setAttribute("role", "status");
    var mode = this.conn ? this.conn.mode : null;
    if (!navigator.onLine || this.conn && this.conn.running && mode === "offline" && this.outbox().length) b.textContent = this.t("offline");
    else if (this.conn && this.conn.running && mode === "offline") b.textContent = this.t("connecting");
    else if (this.chat && this.chat.state === "requested" && this.available && !this.available.open) b.textContent = this.offlineSent ? this.t("thanks") : this.t("closed");
    else if (this.chat && this.chat.state === "requested") b.textContent = this.chat.queue ? this.t("queue", { n: this.chat.queue }) : this.t("waiting");
    b.hidden = !b.textContent;
    this.renderPending();
  };
  P.render = function () {
    if (!this.panel) return;
    var cfg = this.config;
    this.rootEl.setAttribute("lang", this.langCode() === "zh" ? "zh-Hans" : this.langCode());
    // Drawn once the config has answered (or failed): never a flash of the default colour.
    this.launcher.hidden = this.hiddenByApi || !this.answered;
    this.panel.hidden = !this.isOpen || this.hiddenByApi;
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.renderBadge();
    var agent = this.chat && this.chat.agent;
    this.title.textContent = agent || this.t("title");
    this.avatar.hidden = !agent;
    this.avatar.textContent = agent ? agent.slice(0, 1).toUpperCase() : "";
    this.closeBtn.setAttribute("aria-label", this.t("close"));
    this.endBtn.textContent = this.t("endChat");
    this.endBtn.hidden = !this.chat || this.chat.state === "ended";
    this.input.setAttribute("aria-label", this.t("message"));
    this.input.setAttribute("placeholder", this.t("placeholder"));
    this.sendBtn.textContent = this.t("send");
    this.attachBtn.setAttribute("aria-label", this.t("attach"));
    this.attachBtn.title = this.t("attach");
    if (this.hasMore && this.chat) {
      this.moreBtn.textContent = this.t("earlier");
      if (this.logEl.firstChild !== this.moreBtn) this.logEl.insertBefore(this.moreBtn, this.logEl.firstChild);
    } else if (this.moreBtn.parentNode) this.moreBtn.remove();
    this.renderBanner();
    this.renderForm(cfg);
    this.renderFoot();
  };
  /* Above the log: the greeting, pre-chat fields, or the offline form; none once a chat runs. */
  P.renderForm = function (cfg) {
    var f = this.formEl, self = this;
    // Any push or connection change redraws the panel: what the visitor typed (and where) survives it.
    var kept = {}, active = this.shadow.activeElement, focusName = active && f.contains(active) ? active.name : null;
    f.querySelectorAll("input, textarea").forEach(function (x) { kept[x.name] = x.value; });
    var oldHint = f.querySelector(".hint");
    var keep = function (input) {
      if (kept[input.name]) input.value = kept[input.name];
      if (focusName === input.name) W.setTimeout(function () { input.focus(); });
      return input;
    };
    while (f.firstChild) f.removeChild(f.firstChild);
    var noChat = !this.chat || this.chat.state === "ended" && !this.ratingFor;
    if (this.error || !cfg || !noChat || this.msgs.length || this.outbox().length) {
      f.hidden = true;
      this.compose.hidden = !!this.error || !cfg || !!(this.chat && this.chat.state === "ended");
      return;
    }
    f.hidden = false;
    var w = cfg.widget, pre = w.pre_chat, closed = this.available && !this.available.open && w.offline_form;
    f.appendChild(el("p", { text: closed ? this.t("offlineText") : w.greeting || this.t("greeting") }));
    var fields = [], hint = el("p", { cls: "hint", role: "alert", text: oldHint ? oldHint.textContent : "" });
    var field = function (key, type) {
      // The offline form always asks for an e-mail (how else to answer?) and offers a name.
      var mode = !closed ? pre[key] : key === "email" ? "required" : pre[key] === "required" ? "required" : "optional";
      if (mode === "off") return;
      var input = keep(el("input", { type: type, name: key, autocomplete: key, required: mode === "required" }));
      fields.push({ key: key, input: input, required: mode === "required" });
      f.appendChild(el("label", null, [self.t(key) + (mode === "required" ? "" : " " + self.t("optional")), input]));
    };
    field("name", "text");
    field("email", "email");
    var check = function () {
      var out = {};
      for (var x of fields) {
        var v = x.input.value.trim();
        if (x.required && !v || x.key === "email" && v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) {
          hint.textContent = x.key === "email" ? self.t("needEmail") : self.t("needName");
          x.input.focus();
          return null;
        }
        if (v) out[x.key] = v.slice(0, x.key === "email" ? 254 : 100);
      }
      hint.textContent = "";
      return out;
    };
    if (closed) {
      // The offline form: details and a message, sent into an offline chat staff find when they come.
      // (a class, not a style attribute: a host page's CSP may forbid inline styles; sheets adopted are fine)
      f.insertBefore(el("h3", { cls: "ftitle", text: this.t("offlineTitle") }), f.firstChild);
      var msg = keep(el("textarea", { rows: "4", name: "message" }));
      f.appendChild(el("label", null, [this.t("message"), msg]));
      f.appendChild(hint);
      f.appendChild(el("button", {
        cls: "btn primary", type: "button", text: this.t("send"), onclick: function () {
          var d = check();
          if (!d) return;
          if (!msg.value.trim()) { hint.textContent = self.t("needMessage"); msg.focus(); return; }
          if (d.name || d.email) store.set("prechat", d);
          self.offlineSent = true;
          self.queueText(msg.value);
          self.render();
        }
      }));
      this.compose.hidden = true;
      return;
    }
    if (fields.length) {
      f.appendChild(hint);
      this.compose.hidden = true;
      f.appendChild(el("button", {
        cls: "btn primary", type: "button", text: this.t("start"), onclick: function () {
          var d = check();
          if (!d) return;
          store.set("prechat", d);
          self.prechatDone = true;
          self.compose.hidden = false;
          f.hidden = true;
          self.input.focus();
        }
      }));
      if (this.prechatDone) { f.hidden = true; this.compose.hidden = false; }
      return;
    }
    this.compose.hidden = false;
  };
  /* Below the log: rating and "start a new chat" after a chat ends. */
  P.renderFoot = function () {
    var f = this.footEl, self = this;
    while (f.firstChild) f.removeChild(f.firstChild);
    var ended = this.chat && this.chat.state === "ended";
    if (!this.ratingFor || !this.chat || !ended && this.chat.state !== "agent_done") { f.hidden = true; return; }
    f.hidden = false;
    if (this.rated) f.appendChild(el("p", { text: this.t("rateThanks") }));
    else {
      var score = 0, stars = el("div", { cls: "stars", role: "group", "aria-label": this.t("rateQ") }), comment = el("input", { type: "text" });
      for (var n = 1; n <= 5; n++) {
        (function (n) {
          stars.appendChild(el("button", {
            type: "button", "aria-pressed": "false", "aria-label": self.t("star", { n: n }), text: "★", onclick: function () {
              score = n;
              var all = stars.querySelectorAll("button");
              for (var i = 0; i < all.length; i++) { all[i].setAttribute("aria-pressed", String(i < n)); all[i].textContent = i < n ? "★" : "☆"; }
            }
          }));
        })(n);
      }
      f.appendChild(el("p", { text: this.t("rateQ") }));
      f.appendChild(stars);
      f.appendChild(el("label", null, [this.t("comment"), comment]));
      f.appendChild(el("button", { cls: "btn", type: "button", text: this.t("rate"), onclick: function () { if (score) self.rate(score, comment.value); } }));
    }
    if (ended) f.appendChild(el("button", { cls: "btn primary", type: "button", text: this.t("newChat"), onclick: function () { self.newChat(); } }));
  };

  // --- open / close
  P.open = function () {
    if (this.isOpen) return;
    this.isOpen = true;
    this.hiddenByApi = false;
    this.unread = 0;
    this.emit("unread", 0);
    this.render();
    this.scroll();
    if (this.ready && this.chat && !(this.conn && this.conn.running)) this.connect();
    // Focus: the first field of a form, else the composer, else the close button.
    var target = !this.formEl.hidden && this.formEl.querySelector("input,textarea,button");
    if (!target) target = this.compose.hidden ? this.closeBtn : this.input;
    target.focus();
    this.markRead();
    this.emit("open");
  };
  P.close = function () {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.render();
    this.launcher.focus();
    // The visitor closed the chat window (seed 003 client_left): staff see it, the chat stays open.
    if (this.chat && this.chat.state !== "ended") this.post({ type: "client_left", chat: { id: this.chat.id } });
    this.emit("close");
  };
  P.toggle = function () { if (this.isOpen) this.close(); else this.open(); };
  P.setLanguage = function (code) {
    var l = pickLang(code);
    if (!l) return;
    this.lang = l;
    store.set("lang", l);
    this.render();
  };
  P.identify = function (c) {
    if (!c || !c.id) return;
    var next = { id: String(c.id) };
    if (c.hash) next.hash = String(c.hash);
    if (c.name) next.name = String(c.name).slice(0, 100);
    if (c.email) next.email = String(c.email).slice(0, 254);
    this.customer = next;
    var self = this;
    if (this.ready) this.track().then(function (ok) { if (ok && self.conn) self.conn.init(); else if (ok) self.connect(); });
  };
  P.logout = function () {
    this.customer = null;
    this.forget();
    this.ready = false;
    var self = this;
    this.track().then(function (ok) { if (ok) { self.ready = true; self.render(); self.pingLoop(); } });
  };

  // ---------------------------------------------------------------- boot and window.Horn
  var TAG = "horn-chat";
  if (!customElements.get(TAG)) customElements.define(TAG, class extends HTMLElement {});
  var hostEl = document.createElement(TAG);
  var widget = new Widget(hostEl);
  var api = {
    __horn: true,
    open: function () { widget.open(); },
    close: function () { widget.close(); },
    toggle: function () { widget.toggle(); },
    show: function () { widget.hiddenByApi = false; widget.render(); },
    hide: function () { widget.hiddenByApi = true; if (widget.isOpen) widget.close(); widget.render(); },
    identify: function (c) { widget.identify(c); },
    logout: function () { widget.logout(); },
    setLanguage: function (code) { widget.setLanguage(code); },
    on: function (name, fn) { if (typeof fn === "function") (widget.listeners[name] = widget.listeners[name] || []).push(fn); },
    off: function (name, fn) { var l = widget.listeners[name]; if (l) widget.listeners[name] = l.filter(function (f) { return f !== fn; }); },
    state: function () { return widget.state(); }
  };
  var queued = W.Horn && W.Horn.q;
  W.Horn = api;
  var start = function () {
    (document.body || document.documentElement).appendChild(hostEl);
    // Calls made before the script loaded (the stub in docs/widget.md queues [name, args]).
    if (queued && queued.length) for (var i = 0; i < queued.length; i++) {
      var call = queued[i];
      if (call && typeof api[call[0]] === "function") api[call[0]].apply(api, Array.prototype.slice.call(call[1] || []));
    }
    widget.boot();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
