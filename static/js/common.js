/* Huddle pages: the token, REST calls, the live socket and locale formatting.
 * Plain JS, no build step, no network beyond this server. Everything hangs off window.Huddle. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const t = config.t;
  const KEY = "huddle.token";
  const $ = (id) => document.getElementById(id);

  /* --- the token: from ?token= once, then kept in localStorage ----------------------- */
  (function takeTokenFromUrl() {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get("token");
    if (fromUrl === null) return;
    localStorage.setItem(KEY, fromUrl.trim());
    url.searchParams.delete("token");   // keep it out of the address bar, history and screenshots
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  })();
  const token = () => localStorage.getItem(KEY) || "";

  let live = null;   // the page's one live connection, stopped when the token is refused
  function showSignIn(message) {
    if (live) live.stop();
    $("signin-message").textContent = message || "";
    $("signin").hidden = false;
    $("signin-token").focus();
  }
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(KEY, $("signin-token").value.trim());
    window.location.reload();
  });
  const signOut = $("signout");
  if (signOut) signOut.addEventListener("click", () => { localStorage.removeItem(KEY); showSignIn(""); });

  /* --- REST: problem details become ApiError(status, words for the user) ---------------- */
  class ApiError extends Error {
    constructor(status, message, problem = null) { super(message); this.status = status; this.problem = problem; }
  }
  /* What went wrong, in the page's language. The API writes its problem `detail` in English
   * for the person who sent the request: an English page shows it as is (it is the most
   * precise), other languages get the page's own words for that kind of problem: the text a
   * form gave for the status (`texts`), a limit with what is left, or one per status. */
  function problemText(status, problem, texts = {}) {
    if (status === 0) return t.offline_api;
    if (status === 401) return t.bad_token;
    if (config.lang === "en" && problem && problem.detail) return problem.detail;
    if (texts[status]) return texts[status];
    if (status === 409 && problem && problem.remaining !== undefined) {
      return fill(t.problem_limit, { left: fmt(problem.remaining) });
    }
    const byStatus = { 400: t.problem_invalid, 403: t.problem_forbidden, 404: t.problem_not_found,
      409: t.problem_conflict, 422: t.problem_invalid, 429: t.problem_busy };
    return byStatus[status] || t.problem_server;
  }
  /* A call to the API; `options.problems` maps a status to the form's own words for it. */
  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: { Authorization: `Bearer ${token()}` } };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, t.offline_api);
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.ok) return data;
    const message = problemText(response.status, data, options.problems);
    if (response.status === 401) showSignIn(message);
    throw new ApiError(response.status, message, data);
  }

  /* --- formatting in the page's locale ------------------------------------------------- */
  const numbers = new Intl.NumberFormat(config.locale, { maximumFractionDigits: 2 });
  const fmt = (n) => numbers.format(Number(n) || 0);
  /* Scores read from across a room: whole points plainly, any others to one decimal. */
  const scores = new Intl.NumberFormat(config.locale, { maximumFractionDigits: 1 });
  const fmtScore = (n) => scores.format(Number(n) || 0);
  const clockFormat = new Intl.DateTimeFormat(config.locale, { hour: "2-digit", minute: "2-digit" });
  const dayFormat = new Intl.DateTimeFormat(config.locale, { day: "numeric", month: "short" });
  const relative = new Intl.RelativeTimeFormat(config.locale, { numeric: "auto" });
  function when(iso) {
    const d = new Date(iso);
    const today = new Date().toDateString() === d.toDateString();
    return today ? clockFormat.format(d) : `${dayFormat.format(d)} ${clockFormat.format(d)}`;
  }
  function ago(then) {
    const seconds = (Date.now() - then) / 1000;
    if (seconds < 60) return t.just_now;
    if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
    if (seconds < 172800) return relative.format(-Math.floor(seconds / 3600), "hour");
    return relative.format(-Math.floor(seconds / 86400), "day");
  }
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  /* Fill "{name}" slots of one of our texts; the caller escapes values bound for HTML. */
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (slot, key) => (key in values ? values[key] : slot));
  /* "{n} players" or, where the language says n is singular, "{n} player". */
  const plurals = new Intl.PluralRules(config.locale);
  const count = (key, n) => fill(t[`${key}_one`] && plurals.select(n) === "one" ? t[`${key}_one`] : t[key], { n: fmt(n) });
  /* Team colours come from the API and end up in style attributes: accept colours only. */
  const color = (c, fallback = "#5b6b7f") => (/^#[0-9a-f]{3,8}$/i.test(c || "") ? c : fallback);
  const teamLabel = (team) => (team ? team.nickname || team.name || "" : "");

  /* --- feed entries in words ------------------------------------------------------------ */
  const NEWS = new Set(["deal.won", "deal.lost", "kudos", "mentoring", "story.posted",
    "loss.reviewed", "feedback.received", "goal.set", "member.joined",
    "deal.reversed", "kudos.revoked", "mentoring.revoked", "contest.created", "contest.settled",
    "challenge.accepted", "challenge.answered"]);
  /* Contests are news when they start and when they are won; a challenge once it is taken
   * up (one sent, or declined, is between the two players). */
  function isNews(e) {
    const d = e.data || {};
    if (e.kind === "contest.created") return !d.challenge;
    if (e.kind === "challenge.answered") return d.accepted === true;
    return NEWS.has(e.kind);
  }
  /* A page's feed: the news, newest first, and among it at most `activities` activity lines
   * (the newest): a team logs dozens of calls a day, which would push the news out. */
  function feedLines(entries, max, activities = 0) {
    let left = activities;
    return entries.filter((e) => {
      if (e.kind !== "activity") return isNews(e);
      left -= 1;
      return left >= 0;
    }).slice(0, max);
  }
  const points = (e) => Math.round(e.awards.reduce((sum, a) => sum + a.points, 0) * 100) / 100;
  const assistNames = (e) => e.awards.filter((a) => a.category === "assists").map((a) => a.name);
  /* Who did it: a member by name, a token without one (an admin's, the CRM's) by its role. */
  function actorName(by) {
    if (!by) return "";
    if (by.name) return by.name;
    const role = config.roles[by.role] || by.role || "";
    return role.charAt(0).toUpperCase() + role.slice(1);
  }
  /* `metrics` (optional) maps an activity metric's key to its name; `customers: false`
   * leaves out who gave feedback (the TV, where customers' praise is told without them). */
  function describe(e, teams, metrics, { customers = true } = {}) {
    const d = e.data || {};
    const b = (s) => `<b>${esc(s)}</b>`;
    const who = b(e.member_name || "");
    const by = b(actorName(e.by));
    const team = teams && teams.get(e.team_id);
    // a correction's re-scoring says so; a revocation's optional reason follows its line
    const rescored = (line) => (d.rescores != null ? fill(t.feed_rescored, { line }) : line);
    const because = (line) => (d.reason ? `${line}: ${esc(d.reason)}` : line);
    switch (e.kind) {
      case "deal.won": {
        const names = assistNames(e);
        const line = fill(t.feed_won, { who, customer: esc(d.customer), amount: esc(fmt(d.amount)) });
        return rescored(names.length ? `${line} · ${fill(t.assists_by, { names: esc(names.join(", ")) })}` : line);
      }
      case "deal.lost": return rescored(fill(t.feed_lost, { who, customer: esc(d.customer) }));
      case "deal.reversed": return d.correction
        ? fill(t.feed_corrected, { by, who, customer: esc(d.customer) })
        : fill(t.feed_reversed, { by, who, customer: esc(d.customer), reason: esc(d.reason) });
      case "kudos.revoked": return because(fill(t.feed_kudos_revoked, { by, who, points: esc(fmt(d.points)) }));
      case "mentoring.revoked": return because(fill(t.feed_mentoring_revoked, { by, who, points: esc(fmt(d.points)) }));
      case "kudos": {
        const tag = d.strength ? ` · <span class="tag">${esc(config.strengths[d.strength] || d.strength)}</span>` : "";
        return fill(t.feed_kudos, { from: by, to: who, message: esc(d.message) }) + tag;
      }
      case "mentoring": return fill(t.feed_mentoring, { by, who, note: esc(d.note) });
      case "story.posted": return fill(t.feed_story, { who, customer: esc(d.customer), text: esc(d.text) });
      case "loss.reviewed": return fill(t.feed_review, { who, customer: esc(d.customer) });
      case "feedback.received": return fill(customers ? t.feed_feedback : t.feed_feedback_anonymous, { who,
        customer: esc(d.customer),
        stars: `<span class="stars">${"★".repeat(d.rating || 0)}${"☆".repeat(5 - (d.rating || 0))}</span>` });
      case "goal.set": return fill(t.feed_goal_set, { team: b(teamLabel(team) || d.team_name),
        target: esc(d.metric === "revenue" ? fmt(d.target) : `${fmt(d.target)} ${t.deals.toLowerCase()}`) });
      case "member.joined": return fill(t.feed_joined, { who: b(d.name), team: b(teamLabel(team) || d.team_name) });
      case "activity": {
        const line = fill(t.feed_activity, { who, value: esc(fmt(d.value)),
          metric: esc((metrics && metrics.get(d.metric)) || d.metric) });
        return d.points > 0 ? `${line} (+${esc(fmt(d.points))})` : line;
      }
      case "contest.created": return fill(t.feed_contest, { name: b(d.name) });
      case "challenge.accepted":
      case "challenge.answered": return fill(t.feed_challenge_accepted, { who: b(e.member_name || actorName(e.by)),
        name: b(d.name) });
      case "contest.settled": {
        const names = (d.winners || []).map((w) => w.name).join(", ");
        return names ? fill(t.feed_contest_won, { who: b(names), name: b(d.name) }) : fill(t.feed_contest_over, { name: b(d.name) });
      }
      default: return esc(e.kind);
    }
  }
  const kindClass = (e) => `k-${e.kind.replace(".", "-")}`;

  /* One progress bar: a goal's progress {value, target, percent, reached_at}. */
  function bar(progress, tint) {
    const pct = Math.max(0, Math.min(100, progress.percent || 0));
    const done = progress.reached_at ? " done" : "";
    const style = tint ? ` style="--tint:${color(tint)}"` : "";
    return `<div class="bar${done}"${style}><i style="width:${pct}%"></i></div>`;
  }

  /* --- the live socket ------------------------------------------------------------------
   * One socket at a time. Closes other than 4401/4400 reconnect with exponential backoff
   * (1 s doubling to 30 s, jittered so a room of screens does not return at once) and
   * since=<last seq>, so the server replays what was missed. A socket that stays silent
   * past three heartbeats is treated as dead even if the browser has not noticed yet. */
  const SILENCE_MS = 45000;      // heartbeats come every 15 s
  const STALE_MS = 60000;        // the API's "stale after a minute of silence"
  const CONNECT_MS = 15000;      // a handshake that hangs this long is abandoned
  const MAX_DELAY_MS = 30000;
  const REFRESH_MS = 6 * 3600 * 1000;   // a fresh snapshot now and then: new seasons, teams

  class Live {
    constructor(params, handlers) {
      this.params = params; this.handlers = handlers;
      this.seq = null; this.socket = null; this.connected = false; this.stopped = false;
      this.delay = 1000; this.timer = null; this.openedAt = 0; this.lastMessage = 0;
      this.snapshotAt = 0; this.seasonEnds = null; this.problem = "";
      this.status = $("status");
      this.ticker = setInterval(() => this.tick(), 5000);
      this.onOnline = () => this.retryNow();
      window.addEventListener("online", this.onOnline);
      live = this;
    }
    /* The socket opens with a one-time ticket, never the token: URLs end up in logs. */
    url(ticket) {
      const query = new URLSearchParams({ ticket });
      Object.entries(this.params).forEach(([k, v]) => { if (v !== undefined && v !== null) query.set(k, v); });
      if (this.seq !== null) query.set("since", this.seq);
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      return `${scheme}://${window.location.host}/ws/board?${query}`;
    }
    async start() {
      if (this.stopped || this.socket || this.starting) return;
      clearTimeout(this.timer); this.timer = null;
      this.starting = true;
      let ticket;
      try {
        ticket = (await api("/api/live/ticket", { method: "POST" })).ticket;
      } catch (error) {
        this.starting = false;
        if (error.status !== 401) this.schedule();   // a 401 shows the sign-in instead
        return;
      }
      this.starting = false;
      if (this.stopped || this.socket) return;
      let socket;
      try { socket = new WebSocket(this.url(ticket)); } catch (error) { this.schedule(); return; }
      this.socket = socket; this.openedAt = Date.now();
      socket.onopen = () => { this.connected = true; this.showStatus(); };
      socket.onmessage = (event) => this.receive(event.data);
      socket.onclose = (event) => this.closed(event);
      this.showStatus();
    }
    closed(event) {
      this.socket = null; this.connected = false;
      if (event.code === 4401) { showSignIn(t.bad_token); return; }
      if (event.code === 4400) { this.problem = t.bad_team; this.stop(); return; }
      this.schedule();
    }
    schedule() {
      if (this.stopped) return;
      clearTimeout(this.timer);
      const wait = Math.round(this.delay * (0.7 + 0.3 * Math.random()));
      this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
      this.timer = setTimeout(() => { this.timer = null; this.start(); }, wait);
      this.showStatus();
    }
    /* Leave the current socket without waiting for its closing handshake, then reconnect. */
    abandon(reason) {
      const socket = this.socket;
      if (socket) {
        socket.onopen = socket.onmessage = socket.onclose = null;
        try { socket.close(4000, reason); } catch (error) { /* already closing */ }
      }
      this.socket = null; this.connected = false;
      this.schedule();
    }
    refresh() { this.seq = null; this.abandon("refresh"); }
    retryNow() {
      if (this.stopped || this.socket) return;
      this.delay = 1000;
      this.start();
    }
    stop() {
      this.stopped = true;
      clearTimeout(this.timer); clearInterval(this.ticker);
      window.removeEventListener("online", this.onOnline);
      const socket = this.socket;
      if (socket) { socket.onclose = socket.onmessage = null; socket.close(1000, "stop"); }
      this.socket = null; this.connected = false;
      this.showStatus();
    }
    receive(text) {
      let message;
      try { message = JSON.parse(text); } catch (error) { return; }
      this.lastMessage = Date.now();
      if (message.type === "snapshot") {
        this.seq = message.seq; this.delay = 1000; this.snapshotAt = Date.now();
        this.seasonEnds = message.season ? message.season.ends_on : null;
        this.handle("snapshot", message);
      } else if (message.type === "update") {
        if (this.seq !== null && message.seq <= this.seq) return;   // seen already
        // a filtered board skips other teams' entries: "prev" names the one it was sent last
        const gap = this.params.team_id ? (message.prev || 0) > this.seq : message.seq !== this.seq + 1;
        if (this.seq !== null && gap) {
          this.abandon("gap");   // since=<last seq> makes the server replay the missing ones
          return;
        }
        this.seq = message.seq; this.delay = 1000;
        this.handle("update", message);
      } else if (message.type === "heartbeat" && this.params.team_id && this.seq !== null) {
        this.seq = Math.max(this.seq, message.seq);   // filtered: skipped seqs are not gaps
      }
      this.showStatus();
    }
    handle(kind, message) {
      try { this.handlers[kind](message); } catch (error) { console.error(error); }
    }
    tick() {
      const now = Date.now();
      if (this.socket && !this.connected && now - this.openedAt > CONNECT_MS) this.abandon("timeout");
      else if (this.connected && now - Math.max(this.lastMessage, this.openedAt) > SILENCE_MS) this.abandon("silent");
      else if (this.connected && this.snapshotAt && (now - this.snapshotAt > REFRESH_MS || this.seasonOver())) this.refresh();
      this.showStatus();
    }
    seasonOver() {
      if (!this.seasonEnds) return false;
      const d = new Date();
      const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      return today > this.seasonEnds;
    }
    stale() {
      return !this.connected || Date.now() - this.lastMessage > STALE_MS;
    }
    showStatus() {
      const el = this.status;
      if (!el) return;
      let text; let state;
      if (this.problem) { text = this.problem; state = "stale"; }
      else if (!this.lastMessage && !this.snapshotAt && this.delay <= 1000) { text = t.connecting; state = "connecting"; }
      else if (!this.stale()) { text = t.live; state = "live"; }
      else {
        state = "stale";
        text = this.lastMessage ? `${t.reconnecting} · ${fill(t.last_update, { ago: ago(this.lastMessage) })}` : t.reconnecting;
      }
      if (el.textContent !== text) el.textContent = text;
      el.className = `status ${state}`;
    }
  }

  /* --- forms on the seller and coach pages ---------------------------------------------- */
  function say(id, text, ok) {
    const el = document.getElementById(id);
    el.textContent = text;
    el.className = `result ${ok ? "ok" : "error"}`;
  }
  /* Run a form's request with its button disabled, so a double tap posts once. */
  async function submitting(form, work) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try { await work(); } finally { button.disabled = false; }
  }
  function pageMessage(text) {
    const el = document.getElementById("page-message");
    el.textContent = text;
    el.hidden = !text;
  }

  /* `load` at most once every `ms` while calls keep coming, one call always on its way:
   * for reloads that bursts and streams of live updates ask for (waiting for a pause
   * could wait for ever). One timer, never one per update. */
  function atMostEvery(ms, load) {
    let timer = null;
    return () => {
      if (timer !== null) return;
      timer = setTimeout(() => { timer = null; load().catch((error) => console.error(error)); }, ms);
    };
  }

  /* A member's profile (GET /api/members/{id}/profile) as a card's body: what teammates
   * thank them for, what customers said, the loss questions to work on, mentoring and badges. */
  function profileHtml(p) {
    const none = `<span class="muted">${esc(t.nothing_yet)}</span>`;
    const strengths = Object.entries(p.strengths_all_time || {}).map(([tag, n]) =>
      `<span class="chip">${esc(config.strengths[tag] || tag)} × ${n}</span>`).join(" ") || none;
    const rating = p.ratings.count
      ? `★ ${fmt(p.ratings.average)} · ${esc(count("ratings_n", p.ratings.count))}` : none;
    const work = p.weakest_questions.map((q) =>
      `<li>${q.number}. ${esc(config.questions[q.number - 1] || q.question)}</li>`).join("");
    const badges = p.badges.map((b) => `<span class="chip">${esc(config.badges[b.code] || b.title)}</span>`).join(" ") || none;
    return `<dl class="profile">
      <dt>${esc(t.named_by_peers)}</dt><dd>${strengths}</dd>
      <dt>${esc(t.customers_rating)}</dt><dd>${rating}</dd>
      <dt>${esc(t.to_work_on)}</dt><dd>${work ? `<ol class="work">${work}</ol>` : none}</dd>
      <dt>${esc(config.categories.mentoring || "Mentoring")}</dt><dd>${esc(fill(t.mentoring_line,
        { received: fmt(p.mentoring.received), given: fmt(p.mentoring.given) }))}</dd>
      <dt>${esc(t.badges_label)}</dt><dd>${badges}</dd></dl>`;
  }

  /* A feedback link for a customer, handed over as a seller would: a QR code to show at the
   * end of the meeting, the link to copy, or an email in the customer's language. Wires the
   * card of _feedback_link.html; `sellerOf(formData)` names the seller the meeting was. */
  function feedbackLinks(sellerOf, linkDays) {
    const $ = (id) => document.getElementById(id);
    $("ask-lang").value = config.lang;
    $("ask-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const data = new FormData(form);
      submitting(form, async () => {
        try {
          const link = await api("/api/feedback-requests", { method: "POST", body: {
            seller_id: sellerOf(data), customer: data.get("customer").trim(),
            meeting_on: data.get("meeting_on") || null, lang: data.get("lang") } });
          $("ask-qr").src = link.qr;
          $("ask-qr").alt = link.url;
          $("ask-url").value = link.url;
          $("ask-hint").textContent = fill(t.qr_hint, { days: linkDays() || 14 });
          $("ask-mail").href = `mailto:?subject=${encodeURIComponent(link.email.subject)}&body=${encodeURIComponent(link.email.body)}`;
          $("ask-copy").textContent = t.copy;
          $("ask-link").hidden = false;
          say("ask-result", "", true);
          form.querySelector("[name=customer]").value = "";
          form.querySelector("[name=meeting_on]").value = "";
        } catch (error) { say("ask-result", error.message, false); }
      });
    });
    $("ask-copy").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText($("ask-url").value);
      } catch (error) {   // no clipboard access (an older browser, no secure context): select it
        $("ask-url").select();
        document.execCommand("copy");
      }
      $("ask-copy").textContent = t.copied;
    });
  }

  /* Parts of a page that live in scripts of their own (the contests) hear what the page's
   * script learns: "start" (who I am, the members…), and the live "snapshot" and "update". */
  const listeners = new Map();
  const on = (name, listener) => listeners.set(name, [...(listeners.get(name) || []), listener]);
  function emit(name, data) {
    (listeners.get(name) || []).forEach((listener) => {
      try { listener(data); } catch (error) { console.error(error); }
    });
  }

  window.Huddle = { on, emit, config, t, token, api, ApiError, fmt, fmtScore, when, ago, esc, fill, count, color, teamLabel,
    describe, kindClass, isNews, feedLines, points, bar, Live, showSignIn, say, submitting, pageMessage,
    profileHtml, feedbackLinks, atMostEvery };
  if (!token()) showSignIn("");
})();
