/* Huddle pages: token handling, REST calls, the live socket and formatting.
 * Plain JS, no build step. Everything hangs off window.Huddle. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const t = config.t;
  const KEY = "huddle.token";

  /* --- the token: from ?token= once, then kept in localStorage --------------------- */
  function takeTokenFromUrl() {
    const url = new URL(window.location.href);
    const token = url.searchParams.get("token");
    if (token) {
      localStorage.setItem(KEY, token);
      url.searchParams.delete("token");
      window.history.replaceState(null, "", url.pathname + (url.search || "") + url.hash);
    }
  }
  takeTokenFromUrl();
  const token = () => localStorage.getItem(KEY);

  function showSignIn(message) {
    const box = document.getElementById("signin");
    document.getElementById("signin-message").textContent = message || "";
    box.hidden = false;
    document.getElementById("signin-token").focus();
  }
  document.getElementById("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY, document.getElementById("signin-token").value.trim());
    window.location.reload();
  });
  function signOut() {
    localStorage.removeItem(KEY);
    showSignIn("");
  }
  const out = document.getElementById("signout");
  if (out) out.addEventListener("click", signOut);

  /* --- REST: problem details become Error(detail) ------------------------------------ */
  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }
  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: { Authorization: `Bearer ${token()}` } };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (response.status === 401) {
      showSignIn((data && data.detail) || t.bad_token);
      throw new ApiError(401, (data && data.detail) || t.bad_token);
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.detail) || response.statusText);
    return data;
  }

  /* --- formatting in the page's locale ------------------------------------------------ */
  const numberFormat = new Intl.NumberFormat(config.locale, { maximumFractionDigits: 2 });
  const fmt = (n) => numberFormat.format(n);
  const timeFormat = new Intl.DateTimeFormat(config.locale, { hour: "2-digit", minute: "2-digit" });
  const dateFormat = new Intl.DateTimeFormat(config.locale, { day: "numeric", month: "short" });
  function when(iso) {
    const d = new Date(iso);
    const today = new Date().toDateString() === d.toDateString();
    return today ? timeFormat.format(d) : `${dateFormat.format(d)} ${timeFormat.format(d)}`;
  }
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  /* A feed entry in one line of words. */
  function describe(e) {
    const who = esc(e.member_name || (e.by && e.by.name) || "");
    const d = e.data || {};
    switch (e.kind) {
      case "deal.won": return `<i class="k k-won"></i><b>${who}</b> ${t.deal_won} · ${esc(d.customer)} · ${fmt(d.amount)}`;
      case "deal.lost": return `<i class="k k-lost"></i><b>${who}</b> ${t.deal_lost} · ${esc(d.customer)}`;
      case "kudos": return `<i class="k k-kudos"></i><b>${who}</b> ${t.kudos_from} ${esc(e.by.name)} · “${esc(d.message)}”`;
      case "mentoring": return `<i class="k k-mentor"></i>${t.mentoring_for} <b>${who}</b> · ${esc(d.note)}`;
      case "story.posted": return `<i class="k k-story"></i><b>${who}</b>: “${esc(d.text)}”`;
      case "loss.reviewed": return `<i class="k k-review"></i><b>${who}</b> · ${esc(d.customer)}`;
      case "feedback.received": return `<i class="k k-feedback"></i>${"★".repeat(d.rating || 0)} <b>${who}</b> · ${esc(d.comment || d.customer)}`;
      case "goal.set": return `<i class="k k-goal"></i>${t.team_goal} · ${fmt(d.target)}`;
      default: return `${esc(e.kind)} ${who}`;
    }
  }
  function entryPoints(e) {
    return e.awards.reduce((sum, a) => sum + a.points, 0);
  }

  /* --- the live socket: backoff, resume with since, stale mark ------------------------ */
  class Live {
    constructor(params, handlers) {
      this.params = params; this.handlers = handlers;
      this.seq = null; this.socket = null; this.delay = 1000; this.lastMessage = 0;
      this.connected = false; this.stopped = false; this.timer = null;
      this.status = document.getElementById("status");
      setInterval(() => this.showStatus(), 5000);
    }
    url() {
      const q = new URLSearchParams({ token: token() || "", ...this.params });
      if (this.seq !== null) q.set("since", this.seq);
      const proto = window.location.protocol === "https:" ? "wss" : "ws";
      return `${proto}://${window.location.host}/ws/board?${q}`;
    }
    start() {
      if (this.stopped || this.socket) return;
      const socket = new WebSocket(this.url());
      this.socket = socket;
      socket.onmessage = (event) => this.receive(JSON.parse(event.data));
      socket.onopen = () => { this.connected = true; this.delay = 1000; this.showStatus(); };
      socket.onclose = (event) => {
        this.socket = null; this.connected = false; this.showStatus();
        if (event.code === 4401) { this.stopped = true; showSignIn(event.reason || t.bad_token); return; }
        const wait = this.delay * (0.75 + Math.random() / 2);   // jitter: TVs do not all return at once
        this.delay = Math.min(this.delay * 2, 30000);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.start(), wait);
      };
    }
    receive(message) {
      this.lastMessage = Date.now();
      if (message.type === "snapshot") {
        this.seq = message.seq; this.handlers.snapshot(message);
      } else if (message.type === "update") {
        if (this.seq !== null && message.seq <= this.seq) return;
        const gap = this.seq !== null && message.seq > this.seq + 1 && !this.params.team_id;
        this.seq = message.seq;
        this.handlers.update(message);
        if (gap && this.socket) this.socket.close(4000, "gap");   // resume fills it in
      } else if (message.type === "heartbeat") {
        if (this.params.team_id && message.seq > (this.seq || 0)) this.seq = message.seq;
      }
      this.showStatus();
    }
    showStatus() {
      if (!this.status) return;
      const age = this.lastMessage ? Math.floor((Date.now() - this.lastMessage) / 60000) : null;
      const stale = !this.connected || Date.now() - this.lastMessage > 60000;
      this.status.classList.toggle("stale", stale);
      this.status.classList.toggle("live", !stale);
      if (!stale) { this.status.textContent = `● ${t.live}`; return; }
      const since = age === null ? "" : ` · ${t.last_update} ${age < 1 ? t.just_now : `${age} ${t.minutes_ago}`}`;
      this.status.textContent = `${this.connected ? "" : t.reconnecting}${since}`;
    }
  }

  window.Huddle = { config, t, token, api, ApiError, fmt, when, esc, describe, entryPoints, Live, showSignIn };
  if (!token()) showSignIn("");
})();
