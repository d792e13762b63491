/*!
 * hall: the online approval hall's virtual guide (网上虚拟审批大厅导办), as a chat widget.
 *
 * A portal embeds it with one tag, no build step and nothing from a CDN:
 *   <script src="https://hall.example/widget.js" data-hall="https://hall.example" defer></script>
 * data-hall is the API's base (default: this script's own origin). The widget lives in an open
 * Shadow DOM under <hall-guide>: its styles (widget.css, fetched from the same base) neither
 * leak out nor are reached by the host's rules, and the host element is shown as a popover so
 * it sits in the top layer, above the page's z-index stacking. Server text is only ever set as
 * text (never as HTML); links from the server are followed only when they are http(s).
 *
 * Public API: window.HallGuide = { open(), close(), ask(text) }; any element of the page with
 * data-hall-open opens the guide, one with data-hall-ask="驾照丢了" asks it that.
 * The conversation (session id and transcript) lives in sessionStorage; the reader's choices
 * (auto-read, speed, large text) in localStorage.
 */
(function () {
  "use strict";

  if (window.HallGuide || document.querySelector("hall-guide")) return;

  var script =
    document.currentScript ||
    Array.prototype.slice
      .call(document.querySelectorAll("script[src]"))
      .filter(function (s) { return /\/widget\.js(\?|#|$)/.test(s.src); })
      .pop();
  var BASE = ((script && script.getAttribute("data-hall")) ||
    (script ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var KEY = "hall-guide:" + BASE;

  var DEFAULT_LOOKS = {
    idle: { expression: "neutral", gesture: "idle" },
    welcome: { expression: "smile", gesture: "wave" },
    listening: { expression: "attentive", gesture: "listen" },
    thinking: { expression: "thinking", gesture: "think" },
    answering: { expression: "happy", gesture: "present" },
    clarifying: { expression: "puzzled", gesture: "point" },
    apologising: { expression: "sorry", gesture: "bow" },
    goodbye: { expression: "smile", gesture: "goodbye" },
  };
  // The status line of a reply's state. Idle, listening and thinking say the persona's own
  // phrasings (GET /api/persona), which an admin edits in the back office.
  var STATUS = {
    answering: "为您导办中",
    clarifying: "请您确认事项",
    apologising: "在线为您导办",
  };
  var STATUS_DEFAULT = "网上审批大厅 · 在线为您导办";
  var SPEEDS = ["0.75", "1", "1.25", "1.5"];
  var LOOK_HOLD_MS = 6000;
  var LISTEN_MS = 1800;
  var TIMEOUT_MS = 45000;
  var MAX_ENTRIES = 60;
  var ICONS = {
    close: '<path d="M6 6l12 12M18 6 6 18"/>',
    play: '<path d="M8 5v14l11-7z"/>',
    stop: '<path d="M7 7h10v10H7z"/>',
  };

  // -- small helpers ----------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "class") node.className = value;
        else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? "" : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(name, stroke) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "icon" + (stroke ? " stroke" : ""));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.innerHTML = ICONS[name]; // our own constant markup, never server text
    return svg;
  }

  /** An absolute http(s) URL for a link from the server, or null (javascript: and the like). */
  function safeUrl(value) {
    if (!value) return null;
    try {
      var url = new URL(value, BASE + "/");
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Text with its http(s) links as anchors; everything else stays text. */
  function richText(text) {
    var frag = document.createDocumentFragment();
    var pattern = /https?:\/\/[^\s，。；、）)」>"'<]+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text))) {
      frag.appendChild(document.createTextNode(text.slice(last, match.index)));
      var href = safeUrl(match[0]);
      frag.appendChild(href ? link(href, match[0]) : document.createTextNode(match[0]));
      last = match.index + match[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function link(href, label, cls) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", class: cls }, [
      label,
      el("span", { class: "sr", text: "（在新窗口打开）" }),
    ]);
  }

  var store = {
    get: function (area, key, fallback) {
      try {
        var raw = window[area].getItem(key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback; // storage disabled, full or corrupt: the widget still works
      }
    },
    set: function (area, key, value) {
      try {
        window[area].setItem(key, JSON.stringify(value));
      } catch (e) {
        /* ignored: see get */
      }
    },
  };

  function api(path, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var options = { headers: { Accept: "application/json" }, signal: controller && controller.signal };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(BASE + path, options)
      .then(function (response) {
        if (!response.ok) {
          var error = new Error("HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return response.json();
      })
      .finally(function () { clearTimeout(timer); });
  }

  var uid = 0;
  function nextId(prefix) {
    uid += 1;
    return "hall-" + prefix + "-" + uid;
  }

  // -- the matter card's elements (keys as the API's Element enum) -------------------------

  function para(text) { return text ? el("p", { text: text }) : null; }
  function list(tag, items) {
    return items && items.length ? el(tag, null, items.map(function (i) { return el("li", { text: i }); })) : null;
  }
  function facts(pairs) {
    var rows = pairs.filter(function (p) { return p[1]; });
    if (!rows.length) return null;
    var dl = el("dl", { class: "facts" });
    rows.forEach(function (p) {
      dl.appendChild(el("dt", { text: p[0] }));
      dl.appendChild(el("dd", null, [p[2] ? p[2] : p[1]]));
    });
    return dl;
  }
  function phone(value) {
    var digits = String(value).replace(/[^0-9+]/g, "");
    return digits ? el("a", { href: "tel:" + digits, text: value }) : value;
  }

  var ELEMENTS = [
    ["conditions", "办理条件", function (m) { return para(m.conditions); }],
    ["materials", "申请材料", function (m) { return list("ul", m.materials); }],
    ["process", "办理流程", function (m) { return list("ol", m.process); }],
    ["time_limit", "办理时限", function (m) {
      return facts([["法定时限", m.time_limit], ["承诺时限", m.promised_time_limit]]);
    }],
    ["fee", "收费标准", function (m) { return para(m.fee); }],
    ["location", "办理地点", function (m) {
      return facts([["地点", m.location], ["时间", m.hours], ["电话", m.phone, m.phone && phone(m.phone)]]);
    }],
    ["legal_basis", "法律依据", function (m) { return para(m.legal_basis); }],
    ["online", "在线办理", function (m) {
      var apply = safeUrl(m.online_url);
      var guide = safeUrl(m.url);
      if (!apply && !guide) return null;
      return el("p", null, [
        apply ? link(apply, "进入网上办理") : "本事项暂不支持网上办理。",
        guide ? el("br") : null,
        guide ? link(guide, "查看完整办事指南") : null,
      ]);
    }],
  ];

  // -- the widget ---------------------------------------------------------------------------

  function Widget() {
    this.host = document.createElement("hall-guide");
    this.shadow = this.host.attachShadow({ mode: "open" });
    this.looks = DEFAULT_LOOKS;
    this.phrasings = {}; // state -> the persona's phrasings (idle, listening, thinking)
    this.name = "小政";
    this.arts = [];
    this.busy = false;
    this.current = null; // {url, button, speed} of the clip playing
    this.matters = {}; // code -> Promise of the whole matter
    this.cards = {}; // code -> the latest card's selectTab
    this.session = store.get("sessionStorage", KEY, null) || { id: null, entries: [], open: false };
    this.prefs = Object.assign(
      { autoread: false, speed: "1", large: false },
      store.get("localStorage", "hall-guide:prefs", {})
    );
    if (SPEEDS.indexOf(this.prefs.speed) < 0) this.prefs.speed = "1";
    this.build();
  }

  Widget.prototype.build = function () {
    var self = this;
    // The host's own look: pinned here (not in widget.css) so it holds before the sheet loads;
    // widget.css makes .root visible, so nothing unstyled ever shows.
    var pin = el("style", {
      text:
        ":host{all:initial!important;display:block!important;position:fixed!important;" +
        "inset:auto 0 0 auto!important;width:0!important;height:0!important;margin:0!important;" +
        "padding:0!important;border:0!important;overflow:visible!important;" +
        "background:transparent!important;z-index:2147483647!important;transform:none!important;" +
        "filter:none!important;opacity:1!important;visibility:visible!important;" +
        "clip-path:none!important;pointer-events:auto!important;contain:none!important}" +
        ".root{visibility:hidden}",
    });
    var sheet = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });

    this.launcher = el("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "hall-panel",
      onclick: function () { self.open(); },
    }, [el("span", { class: "face", "aria-hidden": "true" }), el("span", { class: "label", text: "在线导办" })]);

    this.title = el("h2", { id: "hall-title" }, ["导办员 ", el("span", { class: "name", text: this.name })]);
    this.status = el("p", { class: "status", text: STATUS_DEFAULT });
    this.stage = el("div", { class: "stage", "aria-hidden": "true" });
    var close = el("button", {
      type: "button", class: "close", "aria-label": "关闭导办窗口",
      onclick: function () { self.close(); },
    }, [icon("close", true)]);

    this.autoread = el("button", {
      type: "button", class: "tool", role: "switch", "aria-checked": String(this.prefs.autoread),
      onclick: function () { self.setPref("autoread", !self.prefs.autoread); },
    }, [el("span", { class: "track", "aria-hidden": "true" }), "自动朗读"]);
    this.speed = el("select", {
      onchange: function () { self.setPref("speed", self.speed.value); },
    }, SPEEDS.map(function (s) { return el("option", { value: s, text: s + "×" }); }));
    this.speed.value = this.prefs.speed;
    this.large = el("button", {
      type: "button", class: "tool", "aria-pressed": String(this.prefs.large),
      onclick: function () { self.setPref("large", !self.prefs.large); },
    }, ["大字模式"]);
    this.infoButton = el("button", {
      type: "button", class: "tool", "aria-expanded": "false", "aria-controls": "hall-info",
      onclick: function () { self.toggleInfo(); },
    }, ["大厅信息"]);

    this.log = el("ol", { class: "log", "aria-label": "对话记录" });
    this.info = el("section", { class: "info", id: "hall-info", tabindex: "-1", "aria-label": "大厅信息", hidden: true });
    this.input = el("input", {
      id: "hall-input", type: "text", maxlength: "500", autocomplete: "off", enterkeyhint: "send",
      placeholder: "请输入您想办的事，如：驾照丢了",
      oninput: function () { self.typing(); },
    });
    this.send = el("button", { type: "submit", class: "send" }, ["发送"]);
    this.chips = el("div", { class: "chips", role: "group", "aria-label": "推荐问题" });
    this.live = el("div", { class: "sr", "aria-live": "polite" });
    this.audio = el("audio", { preload: "none" });

    this.panel = el("section", {
      id: "hall-panel", class: "panel", role: "dialog", "aria-labelledby": "hall-title", hidden: true,
      onkeydown: function (event) {
        if (event.key === "Escape") {
          event.stopPropagation();
          self.close();
        }
      },
    }, [
      el("div", { class: "head" }, [this.stage, el("div", { class: "who" }, [this.title, this.status]), close]),
      el("div", { class: "toolbar", role: "group", "aria-label": "阅读设置" }, [
        this.autoread,
        el("label", { class: "speed" }, ["语速", this.speed]),
        this.large,
        this.infoButton,
      ]),
      el("div", { class: "body" }, [this.log, this.info]),
      el("form", {
        class: "composer",
        onsubmit: function (event) {
          event.preventDefault();
          self.say(self.input.value);
        },
      }, [el("label", { class: "sr", for: "hall-input", text: "输入您的问题" }), this.input, this.send]),
      this.chips,
      this.live,
      this.audio,
    ]);

    this.root = el("div", { class: "root", lang: "zh-CN" }, [this.launcher, this.panel]);
    this.shadow.append(pin, sheet, this.root);
    this.applyPrefs();

    ["ended", "pause", "error"].forEach(function (type) {
      self.audio.addEventListener(type, function () { self.markPlaying(null); });
    });
  };

  Widget.prototype.mount = function () {
    var self = this;
    document.body.appendChild(this.host);
    if (this.host.showPopover) {
      // The top layer: above any z-index the page uses. Manual, so no light dismiss.
      this.host.setAttribute("popover", "manual");
      try {
        this.host.showPopover();
      } catch (e) {
        /* not connected or already shown: stays a fixed element with the highest z-index */
      }
    }
    this.loadArt();
    api("/api/persona").then(function (persona) {
      if (persona && persona.name) self.name = persona.name;
      if (persona && persona.looks) self.looks = Object.assign({}, DEFAULT_LOOKS, persona.looks);
      if (persona && persona.phrasings) self.phrasings = persona.phrasings;
      var state = self.root.getAttribute("data-state");
      if (!state || state === "idle") self.state("idle");
      self.title.querySelector(".name").textContent = self.name;
      self.launcher.querySelector(".label").textContent = "在线导办 · " + self.name;
    }).catch(function () { /* the shipped defaults stand */ });
    this.session.entries.forEach(function (entry) { self.render(entry, false); });
    var last = this.lastGuide();
    if (last) this.showChips(last.reply);
    if (this.session.open) this.open(true);
  };

  // -- the guide's art --------------------------------------------------------------------

  Widget.prototype.loadArt = function () {
    var self = this;
    fetch(BASE + "/widget/guide.svg")
      .then(function (r) { if (!r.ok) throw new Error("art"); return r.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "image/svg+xml");
        var svg = doc.documentElement;
        if (!svg || svg.nodeName.toLowerCase() !== "svg") return;
        svg.querySelectorAll("script").forEach(function (s) { s.remove(); });
        var big = document.importNode(svg, true);
        big.setAttribute("aria-hidden", "true");
        big.removeAttribute("role");
        big.removeAttribute("aria-label");
        var face = big.cloneNode(true);
        face.setAttribute("viewBox", "46 24 68 68");
        face.setAttribute("data-expression", "smile");
        face.setAttribute("data-gesture", "idle");
        face.querySelectorAll("style").forEach(function (s) { s.remove(); }); // one copy is enough
        self.stage.appendChild(big);
        self.launcher.querySelector(".face").appendChild(face);
        self.arts = [big];
        self.show(self.look || self.looks.idle);
      })
      .catch(function () { /* no art: the widget works without its face */ });
  };

  /** Show an expression and a gesture; names the art does not know fall back to neutral/idle. */
  Widget.prototype.show = function (look) {
    this.look = look;
    this.arts.forEach(function (svg) {
      var expressions = (svg.getAttribute("data-expressions") || "").split(/\s+/);
      var gestures = (svg.getAttribute("data-gestures") || "").split(/\s+/);
      var expression = expressions.indexOf(look.expression) >= 0 ? look.expression : "neutral";
      var gesture = gestures.indexOf(look.gesture) >= 0 ? look.gesture : "idle";
      // restart the gesture's animation when the same gesture comes again
      svg.setAttribute("data-gesture", "idle");
      void svg.getBoundingClientRect();
      svg.setAttribute("data-expression", expression);
      svg.setAttribute("data-gesture", gesture);
    });
  };

  /** Take a state's look: from a reply's persona, or a local state (listening, thinking). */
  Widget.prototype.state = function (state, look) {
    var self = this;
    clearTimeout(this.lookTimer);
    look = look || this.looks[state] || DEFAULT_LOOKS[state] || DEFAULT_LOOKS.idle;
    this.show(look);
    this.root.setAttribute("data-state", state);
    this.status.textContent = this.phrase(state) || STATUS[state] || STATUS_DEFAULT;
    if (state !== "idle" && state !== "thinking") {
      this.lookTimer = setTimeout(function () { self.state("idle"); }, LOOK_HOLD_MS);
    }
  };

  /** One of the persona's phrasings of a state the widget shows by itself, or "". */
  Widget.prototype.phrase = function (state) {
    var said = this.phrasings[state];
    if (!said || !said.length) return "";
    return String(said[Math.floor(Math.random() * said.length)]);
  };

  Widget.prototype.typing = function () {
    var self = this;
    if (this.busy) return;
    if (this.root.getAttribute("data-state") !== "listening") this.state("listening");
    clearTimeout(this.lookTimer);
    this.lookTimer = setTimeout(function () { self.state("idle"); }, LISTEN_MS);
  };

  // -- open, close, preferences -----------------------------------------------------------

  /** Show the panel; ``quiet`` leaves the focus where it is, ``silent`` skips the welcome. */
  Widget.prototype.open = function (quiet, silent) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.session.open = true;
    this.save();
    this.scrollToEnd();
    if (!quiet) this.input.focus();
    if (!silent && !this.session.entries.length && !this.busy) this.say("", true);
  };

  Widget.prototype.close = function () {
    this.stop();
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.session.open = false;
    this.save();
    this.launcher.focus();
  };

  Widget.prototype.setPref = function (name, value) {
    this.prefs[name] = value;
    store.set("localStorage", "hall-guide:prefs", this.prefs);
    this.applyPrefs();
    if (name === "autoread" && !value) this.stop();
    if (name === "speed" && this.current) this.play(this.current.url, this.current.button, true);
  };

  Widget.prototype.applyPrefs = function () {
    this.autoread.setAttribute("aria-checked", String(this.prefs.autoread));
    this.large.setAttribute("aria-pressed", String(this.prefs.large));
    this.root.classList.toggle("large", this.prefs.large);
    this.speed.value = this.prefs.speed;
  };

  Widget.prototype.save = function () {
    this.session.entries = this.session.entries.slice(-MAX_ENTRIES);
    store.set("sessionStorage", KEY, this.session);
  };

  // -- the conversation -------------------------------------------------------------------

  Widget.prototype.say = function (text, opening) {
    var self = this;
    text = (text || "").trim();
    if (this.busy || (!text && !opening)) {
      if (!text && !opening) this.input.focus();
      return;
    }
    this.hideInfo();
    this.stop();
    this.busy = true;
    this.send.setAttribute("aria-disabled", "true");
    this.log.setAttribute("aria-busy", "true");
    if (text) {
      this.add({ who: "user", text: text });
      this.input.value = "";
    }
    this.state("thinking");
    var pending = el("li", { class: "msg guide pending", "aria-hidden": "true" }, [
      el("p", { class: "bubble", text: this.phrasings.thinking ? this.status.textContent : "…" }),
    ]);
    this.log.appendChild(pending);
    this.scrollToEnd();
    // speak: the reply is read out at once, so the server makes its audio now, not on fetch.
    api("/api/chat", { session_id: this.session.id, message: text, speak: !!this.prefs.autoread })
      .then(function (body) {
        self.session.id = body.session_id;
        pending.remove();
        self.add({ who: "guide", turn: body.turn, reply: body.reply }, true);
      })
      .catch(function (error) {
        pending.remove();
        var message = error && error.status === 409
          ? "上一条消息还在处理中，请稍候再发送。"
          : "抱歉，网络或服务暂时不可用，请稍后再试。";
        self.add({ who: "error", text: message });
        self.state("apologising");
      })
      .finally(function () {
        self.busy = false;
        self.send.removeAttribute("aria-disabled");
        self.log.removeAttribute("aria-busy");
      });
  };

  Widget.prototype.add = function (entry, fresh) {
    if (entry.who !== "error") {
      this.session.entries.push(entry);
      this.save();
    }
    var node = this.render(entry, fresh);
    if (entry.who !== "guide") {
      this.scrollToEnd();
      return;
    }
    var reply = entry.reply;
    this.showChips(reply);
    var persona = reply.persona || {};
    this.state(persona.state || "answering", persona.expression ? persona : null);
    this.announce(this.name + "：" + reply.text);
    this.scrollTo(node);
    if (fresh && this.prefs.autoread && reply.speech_url) {
      this.play(reply.speech_url, node.querySelector(".play"));
    }
  };

  Widget.prototype.render = function (entry, fresh) {
    var node;
    if (entry.who === "user") {
      node = el("li", { class: "msg user" }, [
        el("p", { class: "bubble" }, [el("span", { class: "sr", text: "您说：" }), entry.text]),
      ]);
    } else if (entry.who === "error") {
      node = el("li", { class: "msg guide error" }, [el("p", { class: "bubble", text: entry.text })]);
    } else {
      var reply = entry.reply;
      var bubble = el("p", { class: "bubble" }, [
        el("span", { class: "sr", text: this.name + "说：" }),
        richText(reply.text || ""),
      ]);
      node = el("li", { class: "msg guide", "data-turn": String(entry.turn), "data-decision": reply.decision }, [bubble]);
      if (reply.decision === "answer" && reply.matter) node.appendChild(this.card(reply.matter));
      if (reply.element && reply.matter && this.cards[reply.matter.code]) {
        this.cards[reply.matter.code](reply.element.key, false);
      }
      if (reply.similar && reply.similar.length) node.appendChild(this.similar(reply.similar));
      node.appendChild(this.tools(entry));
    }
    this.log.appendChild(node);
    if (!fresh && entry.who === "guide") node.setAttribute("data-restored", "true");
    return node;
  };

  Widget.prototype.tools = function (entry) {
    var self = this;
    var reply = entry.reply;
    var tools = el("div", { class: "tools" });
    if (reply.speech_url) {
      var play = el("button", { type: "button", class: "mini play", "aria-pressed": "false" });
      play.append(icon("play"), el("span", { text: "朗读" }));
      play.addEventListener("click", function () {
        if (self.current && self.current.button === play) self.stop();
        else self.play(reply.speech_url, play);
      });
      tools.appendChild(play);
    }
    if (reply.decision !== "welcome" && entry.turn) tools.appendChild(this.feedback(entry));
    return tools;
  };

  Widget.prototype.feedback = function (entry) {
    var self = this;
    var group = el("span", { class: "fb", role: "group", "aria-label": "这条回复对您有帮助吗？" });
    var thanks = el("span", { class: "thanks", role: "status" });
    var up = el("button", { type: "button", class: "mini", "aria-pressed": "false", text: "有帮助" });
    var down = el("button", { type: "button", class: "mini", "aria-pressed": "false", text: "没帮助" });
    var more = null;
    function send(helpful, comment) {
      return api("/api/feedback", {
        session_id: self.session.id, turn: entry.turn, helpful: helpful, comment: comment || null,
      }).then(function () {
        up.setAttribute("aria-pressed", String(helpful));
        down.setAttribute("aria-pressed", String(!helpful));
        thanks.textContent = comment ? "已收到您的意见，谢谢！" : "感谢您的反馈";
      }).catch(function () {
        thanks.textContent = "反馈未能提交，请稍后再试";
      });
    }
    up.addEventListener("click", function () {
      if (more) { more.remove(); more = null; }
      send(true);
    });
    down.addEventListener("click", function () {
      send(false).then(function () {
        if (more) return;
        var id = nextId("fb");
        var field = el("input", { id: id, type: "text", maxlength: "1000", autocomplete: "off" });
        more = el("form", {
          class: "fb-more",
          onsubmit: function (event) {
            event.preventDefault();
            if (field.value.trim()) send(false, field.value.trim()).then(function () { more.remove(); more = null; });
          },
        }, [
          el("label", { for: id, text: "哪里没帮到您？（可选）" }),
          field,
          el("button", { type: "submit", class: "mini", text: "提交" }),
        ]);
        group.after(more);
        field.focus();
      });
    });
    group.append(up, down, thanks);
    return group;
  };

  Widget.prototype.card = function (matter) {
    var self = this;
    var titleId = nextId("card");
    var card = el("article", { class: "card", "aria-labelledby": titleId, "data-code": matter.code }, [
      el("h3", { id: titleId, text: matter.title }),
      facts([["办理部门", matter.department], ["办理时限", matter.time_limit], ["收费", matter.fee]]),
    ]);
    var note = el("p", { class: "note", text: "正在载入办事指南…" });
    card.appendChild(note);
    var wanted = null;
    this.cards[matter.code] = function (key) { wanted = key; };
    this.matter(matter.code).then(function (full) {
      note.remove();
      var present = ELEMENTS.filter(function (e) { return e[2](full); });
      if (present.length) card.appendChild(self.tabs(full, present, matter.code, wanted));
      var apply = safeUrl(full.online_url || matter.url);
      var guide = safeUrl(full.url);
      if (apply || guide) {
        card.appendChild(el("p", { class: "links" }, [
          apply ? link(apply, "在线办理", "apply") : null,
          guide && guide !== apply ? link(guide, "办事指南原文", "guide-link") : null,
        ]));
      }
    }).catch(function () {
      note.textContent = "办事指南暂时无法载入，您可以点击下方按钮逐项询问。";
    });
    return card;
  };

  Widget.prototype.tabs = function (matter, present, code, wanted) {
    var panelId = nextId("panel");
    var list = el("div", { class: "tabs", role: "tablist", "aria-label": "办事指南" });
    var panel = el("div", { class: "tabpanel", role: "tabpanel", id: panelId, tabindex: "0" });
    var buttons = present.map(function (e) {
      return el("button", {
        type: "button", role: "tab", class: "tab", id: nextId("tab"), "data-key": e[0],
        "aria-selected": "false", "aria-controls": panelId, tabindex: "-1", text: e[1],
      });
    });
    function select(key, focus) {
      var index = present.findIndex(function (e) { return e[0] === key; });
      if (index < 0) return;
      buttons.forEach(function (b, i) {
        b.setAttribute("aria-selected", String(i === index));
        b.tabIndex = i === index ? 0 : -1;
      });
      panel.setAttribute("aria-labelledby", buttons[index].id);
      panel.replaceChildren(present[index][2](matter));
      if (focus) buttons[index].focus();
    }
    buttons.forEach(function (button, i) {
      button.addEventListener("click", function () { select(present[i][0], false); });
      button.addEventListener("keydown", function (event) {
        var to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[event.key];
        if (to === undefined) return;
        event.preventDefault();
        select(present[(to + buttons.length) % buttons.length][0], true);
      });
      list.appendChild(button);
    });
    select(wanted || present[0][0], false);
    this.cards[code] = select;
    var frag = document.createDocumentFragment();
    frag.append(list, panel);
    return frag;
  };

  Widget.prototype.matter = function (code) {
    if (!this.matters[code]) {
      var self = this;
      this.matters[code] = api("/api/matters/" + encodeURIComponent(code)).catch(function (error) {
        delete self.matters[code];
        throw error;
      });
    }
    return this.matters[code];
  };

  Widget.prototype.similar = function (items) {
    var self = this;
    var labelId = nextId("similar");
    return el("div", { class: "similar" }, [
      el("p", { id: labelId, text: "您可能还想了解：" }),
      el("ul", { "aria-labelledby": labelId }, items.map(function (item) {
        return el("li", null, [el("button", {
          type: "button", class: "mini", text: item.title,
          onclick: function () { self.input.focus(); self.say(item.title); },
        })]);
      })),
    ]);
  };

  Widget.prototype.showChips = function (reply) {
    var self = this;
    var suggestions = (reply && reply.suggestions) || [];
    this.chips.replaceChildren();
    if (!suggestions.length) return;
    var hint = reply.decision === "clarify" ? "请选择您要办理的事项：" : "您可以点选：";
    this.chips.setAttribute("aria-label", hint.replace("：", ""));
    this.chips.appendChild(el("span", { class: "hint", "aria-hidden": "true", text: hint }));
    suggestions.forEach(function (s) {
      self.chips.appendChild(el("button", {
        type: "button", class: "chip", text: s.label,
        onclick: function () { self.input.focus(); self.say(s.message || s.label); },
      }));
    });
  };

  Widget.prototype.lastGuide = function () {
    for (var i = this.session.entries.length - 1; i >= 0; i -= 1) {
      if (this.session.entries[i].who === "guide") return this.session.entries[i];
    }
    return null;
  };

  Widget.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 60);
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.scrollTo = function (node) {
    var top = node.getBoundingClientRect().top - this.log.getBoundingClientRect().top;
    this.log.scrollTop += top - 8;
  };

  // -- the hall's information -------------------------------------------------------------

  Widget.prototype.toggleInfo = function () {
    if (!this.info.hidden) {
      this.hideInfo();
      this.input.focus();
      return;
    }
    var self = this;
    this.info.hidden = false;
    this.log.hidden = true;
    this.infoButton.setAttribute("aria-expanded", "true");
    if (!this.info.firstChild) {
      this.info.appendChild(el("p", { text: "正在载入…" }));
      api("/api/hall")
        .then(function (hall) { self.info.replaceChildren(self.hallInfo(hall)); })
        .catch(function () {
          self.info.replaceChildren(el("p", { text: "大厅信息暂时无法载入，请稍后再试。" }));
        });
    }
    this.info.focus();
  };

  Widget.prototype.hideInfo = function () {
    this.info.hidden = true;
    this.log.hidden = false;
    this.infoButton.setAttribute("aria-expanded", "false");
  };

  Widget.prototype.hallInfo = function (hall) {
    var self = this;
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h3", { text: hall.name || "大厅信息" }));
    if (hall.introduction) frag.appendChild(para(hall.introduction));
    frag.appendChild(facts([
      ["地址", hall.address], ["办公时间", hall.hours], ["咨询电话", hall.phone, hall.phone && phone(hall.phone)],
    ]) || document.createDocumentFragment());
    if (hall.transport && hall.transport.length) {
      frag.append(el("h4", { text: "交通指引" }), list("ul", hall.transport));
    }
    if (hall.bus_lines && hall.bus_lines.length) {
      frag.append(el("h4", { text: "公交线路" }), el("p", { text: hall.bus_lines.join("、") }));
    }
    if (hall.announcements && hall.announcements.length) {
      frag.append(el("h4", { text: "通知公告" }), el("ul", { class: "news" }, hall.announcements.map(function (a) {
        var href = safeUrl(a.url);
        return el("li", null, [
          el("strong", { text: a.title }),
          a.date ? el("time", { datetime: a.date, text: a.date }) : null,
          a.body ? el("p", { text: a.body }) : null,
          href ? link(href, "查看详情") : null,
        ]);
      })));
    }
    frag.appendChild(el("button", {
      type: "button", class: "tool back", text: "返回对话",
      onclick: function () { self.hideInfo(); self.input.focus(); },
    }));
    return frag;
  };

  // -- speech -------------------------------------------------------------------------------

  /** Play a reply's audio at the chosen speed; one clip at a time. */
  Widget.prototype.play = function (url, button, keepPlace) {
    var self = this;
    var src = safeUrl(url);
    if (!src) return;
    var at = keepPlace && this.current ? this.audio.currentTime * this.current.speed : 0;
    this.stop();
    var speed = parseFloat(this.prefs.speed) || 1;
    var full = new URL(src);
    if (speed !== 1) full.searchParams.set("speed", String(speed));
    this.audio.src = full.href;
    if (at) {
      this.audio.addEventListener("loadedmetadata", function seek() {
        self.audio.removeEventListener("loadedmetadata", seek);
        self.audio.currentTime = at / speed;
      });
    }
    this.markPlaying({ url: url, button: button, speed: speed });
    var started = this.audio.play();
    if (started && started.catch) {
      started.catch(function () { self.markPlaying(null); }); // autoplay refused, or no audio
    }
  };

  Widget.prototype.stop = function () {
    if (!this.audio.paused) this.audio.pause();
    this.markPlaying(null);
  };

  Widget.prototype.markPlaying = function (current) {
    var old = this.current && this.current.button;
    if (old && (!current || current.button !== old)) {
      old.setAttribute("aria-pressed", "false");
      old.replaceChildren(icon("play"), el("span", { text: "朗读" }));
    }
    this.current = current;
    if (current && current.button) {
      current.button.setAttribute("aria-pressed", "true");
      current.button.replaceChildren(icon("stop"), el("span", { text: "停止朗读" }));
    }
  };

  // -- start ------------------------------------------------------------------------------

  function start() {
    if (document.querySelector("hall-guide")) return;
    var widget = new Widget();
    widget.mount();
    window.HallGuide = {
      open: function () { widget.open(); },
      close: function () { widget.close(); },
      ask: function (text) {
        text = String(text || "").trim();
        widget.open(false, Boolean(text));
        if (text) widget.say(text);
      },
    };
    // Any element of the page may open the guide (data-hall-open) or ask it (data-hall-ask).
    document.addEventListener("click", function (event) {
      var target = event.target && event.target.closest && event.target.closest("[data-hall-open],[data-hall-ask]");
      if (!target) return;
      event.preventDefault();
      if (target.hasAttribute("data-hall-ask")) window.HallGuide.ask(target.getAttribute("data-hall-ask"));
      else window.HallGuide.open();
    });
    document.dispatchEvent(new CustomEvent("hall-guide:ready"));
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
