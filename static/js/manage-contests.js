/* The coach's contests on /manage: templates for the usual ones (meetings booked this week,
 * team vs team revenue this month, most improved this month) that fill the form, a form for
 * any contest with its prizes, the running and upcoming ones with Cancel, the ended ones with
 * who won what, and the team's cap on open challenges. manage.js says who I am and which
 * team is in view ("start", no team: an admin's view of every team) and hands on the live
 * messages. Contests run over the org's days (Huddle.contests.calendar). */
(function () {
  "use strict";
  const H = window.Huddle;
  const C = H.contests;
  const { t, api, esc, fill, fmt, config, say, submitting } = H;
  const $ = (id) => document.getElementById(id);
  const PLACES = { ranking: 3, improvement: 3, race: 1, head_to_head: 1, team_target: 1, tiers: 0 };
  const TIERS = 3;
  const ENDED_MAX = 8;
  const LEADERS = 3;
  let me = null;
  let teamId = null;          // the team in view; null: an admin's view of every team
  let teamMembers = new Set();
  let teams = [];
  let metrics = new Map();    // activity key → name
  let rewards = [];           // the shop, for prizes
  let open = new Map();       // running and upcoming contests of the team, by id
  let ended = [];
  let cancelling = null;      // { id, reason }: the contest whose cancel form is open
  let stale = false;          // changes came while that form was being written in
  const said = new Map();     // contest id → what cancelling it came to
  const rewardNames = () => new Map(rewards.map((r) => [r.id, r.name]));

  /* --- the form: fields follow the format ------------------------------------------------- */
  const form = $("contest-form");
  const prizeRow = (label, key, target) => `<div class="prize-row" data-row="${key}">
      <span class="place">${esc(label)}</span>
      ${target ? `<label>${esc(t.target_value)} <input name="${key}-target" type="number" min="0.01" step="any" inputmode="decimal"></label>` : ""}
      <label>${esc(t.coins)} <input name="${key}-coins" type="number" min="0" step="any" inputmode="decimal"></label>
      <label class="reward-pick">${esc(t.reward_from_shop)} <select name="${key}-reward"></select></label>
      <label>${esc(t.prize_words)} <input name="${key}-description" maxlength="200" autocomplete="off"></label>
    </div>`;
  function buildForm() {
    $("contest-format").innerHTML = C.FORMATS.map((f) => `<option value="${f}">${esc(C.formatName(f))}</option>`).join("");
    const choices = [["points", C.metricName("points")], ["deals_won", C.metricName("deals_won")],
      ["revenue", C.metricName("revenue")],
      ...config.category_order.map((c) => [c, config.categories[c]]),
      ...[...metrics].map(([key, name]) => [`activity:${key}`, name])];
    $("contest-metric").innerHTML = choices.map(([value, name]) =>
      `<option value="${esc(value)}">${esc(name)}</option>`).join("");
    const teamOptions = teams.map((team) => `<option value="${Number(team.id)}">${esc(H.teamLabel(team))}</option>`).join("");
    $("contest-side-a").innerHTML = teamOptions;
    $("contest-side-b").innerHTML = teamOptions;
    $("contest-prizes").innerHTML = [1, 2, 3].map((n) => prizeRow(`#${n}`, `place${n}`, false)).join("");
    $("contest-tiers").innerHTML = Array.from({ length: TIERS }, (_, i) =>
      prizeRow(fill(t.tier_n, { n: i + 1 }), `tier${i + 1}`, true)).join("");
    fillRewards();
    defaults();
  }
  function fillRewards() {
    form.querySelectorAll(".reward-pick").forEach((label) => {
      const select = label.querySelector("select");
      const chosen = select.value;
      select.innerHTML = `<option value="">–</option>${rewards.map((r) =>
        `<option value="${Number(r.id)}">${esc(r.name)}</option>`).join("")}`;
      select.value = chosen;
      label.hidden = rewards.length === 0;
    });
  }
  /* A fresh form: a ranking of points over this week. */
  function defaults() {
    form.reset();
    const [from, to] = C.calendar.week();
    setDays(from, to);
    if (teams.length > 1) {
      form.elements.side_a.value = String(teamId || teams[0].id);
      form.elements.side_b.value = String((teams.find((team) => team.id !== Number(form.elements.side_a.value)) || {}).id);
    }
    formatChanged();
  }
  function setDays(from, to) {
    form.elements.starts_on.value = C.calendar.dayOf(from);
    form.elements.ends_on.value = C.calendar.dayOf(to - 1000);   // it ends as its last day does
  }
  function formatChanged() {
    const format = form.elements.format.value;
    form.querySelectorAll("[data-for]").forEach((el) => { el.hidden = !el.dataset.for.split(" ").includes(format); });
    form.querySelectorAll("#contest-prizes .prize-row").forEach((row, i) => { row.hidden = i >= PLACES[format]; });
    form.elements.target.required = ["race", "team_target"].includes(format);
    $("contest-format-hint").textContent = t[`format_${format}_hint`] || "";
  }
  form.elements.format.addEventListener("change", formatChanged);

  /* The templates fill the form; prizes are the coach's to add before creating it. */
  const TEMPLATES = {
    meetings: () => ({ name: t.tpl_meetings, format: "ranking", period: C.calendar.week(),
      metric: metrics.has("meetings") ? "activity:meetings" : "points" }),
    versus: () => ({ name: t.tpl_versus, format: "head_to_head", metric: "revenue", period: C.calendar.month() }),
    improved: () => ({ name: t.tpl_improved, format: "improvement", metric: "points", period: C.calendar.month() }),
  };
  $("contest-templates").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-template]");
    if (!button) return;
    const template = TEMPLATES[button.dataset.template]();
    defaults();
    form.elements.name.value = template.name;
    form.elements.format.value = template.format;
    form.elements.metric.value = template.metric;
    setDays(...template.period);
    formatChanged();
    say("contest-result", "", true);
    $("contest-filled").hidden = false;
    form.elements.name.focus();
  });

  /* --- creating one --------------------------------------------------------------------- */
  const number = (value) => (String(value ?? "").trim() === "" ? null : Number(value));
  function prizeOf(data, key) {
    const prize = {};
    const coins = number(data.get(`${key}-coins`));
    if (coins) prize.coins = coins;
    const reward = number(data.get(`${key}-reward`));
    if (reward) prize.reward_id = reward;
    const words = String(data.get(`${key}-description`) || "").trim();
    if (words) prize.description = words;
    return prize;
  }
  /* Who takes part: the team in view (its members, or the team itself for a team target);
   * an admin's view of every team: every team. A head-to-head's are its two sides. */
  function participants(format) {
    const ids = teamId ? [teamId] : teams.map((team) => team.id);
    return { team_ids: ids, by: format === "team_target" ? "team" : "member" };
  }
  function contestBody(data) {
    const format = data.get("format");
    const body = { name: String(data.get("name")).trim(), format, metric: data.get("metric"),
      starts_at: C.calendar.isoAt(C.calendar.startOf(data.get("starts_on"))),
      ends_at: C.calendar.isoAt(C.calendar.endOf(data.get("ends_on"))) };
    if (format === "head_to_head") {
      body.sides = ["side_a", "side_b"].map((field) => {
        const team = teams.find((row) => row.id === Number(data.get(field))) || {};
        return { name: H.teamLabel(team), team_ids: [team.id] };
      });
    } else {
      body.participants = participants(format);
    }
    if (["race", "team_target"].includes(format)) body.target = number(data.get("target"));
    if (format === "ranking" && number(data.get("min_score")) !== null) body.min_score = number(data.get("min_score"));
    if (format === "tiers") {
      body.tiers = Array.from({ length: TIERS }, (_, i) => ({ target: number(data.get(`tier${i + 1}-target`)),
        prize: prizeOf(data, `tier${i + 1}`) })).filter((tier) => tier.target !== null);
    }
    const prizes = Array.from({ length: PLACES[format] }, (_, i) => prizeOf(data, `place${i + 1}`));
    while (prizes.length && !Object.keys(prizes[prizes.length - 1]).length) prizes.pop();   // places without one
    if (prizes.length) body.prizes = prizes;
    if (data.get("recurrence")) body.recurrence = data.get("recurrence");
    return body;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = contestBody(data);
    if (body.format === "tiers" && !body.tiers.length) { say("contest-result", t.tiers_needed, false); return; }
    // prizes[i] is place i + 1's: a place without one cannot come before one with one
    if ((body.prizes || []).some((prize) => !Object.keys(prize).length)) {
      say("contest-result", t.prizes_in_order, false);
      return;
    }
    if (body.sides && body.sides[0].team_ids[0] === body.sides[1].team_ids[0]) {
      say("contest-result", t.sides_differ, false);
      return;
    }
    submitting(form, async () => {
      try {
        const made = await api("/api/contests", { method: "POST", body });
        say("contest-result", fill(t.contest_created, { name: made.name }), true);
        $("contest-filled").hidden = true;
        defaults();
        if (["running", "upcoming"].includes(made.state)) open.set(made.id, made);
        render();
        reload();
      } catch (error) { say("contest-result", error.message, false); }
    });
  });

  /* --- the lists -------------------------------------------------------------------------- */
  /* Whether a contest is the team's: made for it, or one of its players (or itself) plays;
   * a contest that names nobody is the whole org's, so the team's players play in it. */
  function concerns(c) {
    if (teamId === null) return true;
    const p = c.participants || {};
    const sides = c.sides || [];
    const teamIds = [...(p.team_ids || []), ...sides.flatMap((side) => side.team_ids || [])];
    const memberIds = [...(p.member_ids || []), ...sides.flatMap((side) => side.member_ids || [])];
    if (!sides.length && !teamIds.length && !memberIds.length) return true;
    return c.team_id === teamId || teamIds.includes(teamId) || memberIds.some((id) => teamMembers.has(id));
  }
  async function load() {
    const [running, upcoming, over] = await Promise.all(["running", "upcoming", "ended"].map((state) =>
      api(`/api/contests?state=${state}`)));
    open = new Map([...running, ...upcoming].filter(concerns).map((c) => [c.id, c]));
    // a challenge declined never ran: not worth a line among who won what
    ended = over.filter((c) => c.state !== "declined" && concerns(c)).sort((a, b) => Date.parse(b.ends_at) - Date.parse(a.ends_at)).slice(0, ENDED_MAX);
    render();
    alarm([...running, ...upcoming]);
  }
  // a load that failed with a server in trouble (or out of reach) is tried again a little later
  const reload = H.atMostEvery(1000, () => load().catch((error) => {
    if (C.passing(error)) setTimeout(reload, 10000);
    throw error;
  }));
  const alarm = C.alarm(reload);

  // an ended contest waits seconds for its settlement: its winners are decided, it stays
  const mayCancel = (c) => c.state !== "ended"
    && (me.role === "admin" || (c.created_by || {}).member_id === me.member_id);
  const head = (c) => `<div class="contest-top"><b class="contest-name">${esc(c.name)}</b>
      <span class="mark state-${esc(c.state)}">${esc(C.stateName(c.state))}</span>
      ${c.challenge ? `<span class="mark">${esc(t.challenge_mark)}</span>` : ""}
      ${c.recurrence ? `<span class="mark">${esc(t[`repeats_${c.recurrence}`] || c.recurrence)}</span>` : ""}</div>
    <small class="contest-about">${esc(C.about(c, metrics))} · ${esc(C.calendar.period(c))}${
      ["running", "upcoming"].includes(c.state) ? ` · <span class="when">${esc(C.whenText(c))}</span>` : ""}</small>`;
  /* A team's row by the name the pages give teams (its nickname). */
  const rowName = (r) => (r.team_id != null && H.teamLabel(teams.find((team) => team.id === r.team_id))) || r.name;
  function leaders(c) {
    const rows = (c.standings || []).slice(0, LEADERS);
    if (!rows.length) return `<small class="contest-leaders muted">${esc(t.no_scores_yet)}</small>`;
    return `<small class="contest-leaders">${rows.map((r) =>
      `#${r.rank} ${esc(rowName(r))} <b>${esc(C.scoreText(c, r, fmt))}</b>`).join(" · ")}</small>`;
  }
  function openItem(c) {
    const prizes = C.prizesLine(c, rewardNames());
    const result = said.get(c.id);
    const form_ = cancelling && cancelling.id === c.id ? `<form class="form cancel-form">
        <label>${esc(t.reason_optional)} <input name="reason" maxlength="500" autocomplete="off" value="${esc(cancelling.reason)}"></label>
        <div class="form-buttons"><button type="submit">${esc(t.cancel_contest_now)}</button>
          <button type="button" class="cancel" data-act="keep">${esc(t.keep_contest)}</button></div></form>` : "";
    return `<li data-contest="${Number(c.id)}" class="contest ${esc(c.state)}">
      <div class="contest-what">${head(c)}
        ${prizes ? `<small class="contest-prize">${esc(prizes)}</small>` : ""}
        ${c.state === "running" ? leaders(c) : ""}</div>
      ${mayCancel(c) ? `<div class="contest-actions"><button type="button" class="small" data-act="cancel"
        aria-expanded="${Boolean(form_)}">${esc(t.cancel_contest)}</button></div>` : ""}
      ${form_}
      <p class="result${result ? (result.ok ? " ok" : " error") : ""}" role="status">${result ? esc(result.text) : ""}</p>
    </li>`;
  }
  /* Who won what: each place with its score and prize; none, or not settled yet, said so. */
  function endedItem(c) {
    const names = rewardNames();
    let won;
    if (c.state === "cancelled") won = `<small class="muted">${esc(t.contest_state_cancelled)}</small>`;
    else if (c.winners == null) won = `<small class="muted">${esc(t.not_settled_yet)}</small>`;
    else if (!c.winners.length) won = `<small class="muted">${esc(t.no_winner)}</small>`;
    else {
      won = `<ol class="winners">${c.winners.map((w) => {
        const prize = C.prizeText({ ...w.prize, coins: w.coins }, names);   // the coins paid: a tie shares them
        return `<li><span class="place">#${Number(w.place)}</span> <b>${esc(rowName(w))}</b>
          <span class="muted">${esc(C.scoreText(c, w, fmt))}</span>${prize ? ` · <span class="prize">${esc(prize)}</span>` : ""}</li>`;
      }).join("")}</ol>`;
    }
    return `<li data-contest="${Number(c.id)}" class="contest ${esc(c.state)}"><div class="contest-what">${head(c)}${won}</div></li>`;
  }
  const formFocused = () => Boolean(document.activeElement && document.activeElement.closest("#contests-open .cancel-form"));
  function render() {
    if (formFocused()) { stale = true; return; }   // never under the coach's hands
    stale = false;
    const list = [...open.values()].sort((a, b) => (a.state === "running" ? 0 : 1) - (b.state === "running" ? 0 : 1)
      || Date.parse(a.ends_at) - Date.parse(b.ends_at) || a.id - b.id);
    if (cancelling && !open.has(cancelling.id)) cancelling = null;
    $("contests-open").innerHTML = list.map(openItem).join("") || `<li class="empty">${esc(t.no_contests)}</li>`;
    $("contests-ended").innerHTML = ended.map(endedItem).join("") || `<li class="empty">${esc(t.none_yet)}</li>`;
    const input = $("contests-open").querySelector(".cancel-form [name=reason]");
    if (input && cancelling && cancelling.focus) { input.focus(); cancelling.focus = false; }
  }
  setInterval(() => {   // the time left moves on its own: only its texts are rewritten
    document.querySelectorAll("#contests-open li[data-contest] .when").forEach((el) => {
      const c = open.get(Number(el.closest("li").dataset.contest));
      if (c) el.textContent = C.whenText(c);
    });
  }, 15000);

  $("contests-open").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const row = button && button.closest("li[data-contest]");
    if (!row) return;
    const id = Number(row.dataset.contest);
    if (button.dataset.act === "cancel" && (!cancelling || cancelling.id !== id)) {
      cancelling = { id, reason: "", focus: true };
      said.delete(id);
    } else {
      cancelling = null;
    }
    document.activeElement.blur();
    render();
  });
  $("contests-open").addEventListener("input", (event) => {
    if (cancelling && event.target.name === "reason") cancelling.reason = event.target.value;
  });
  $("contests-open").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.closest(".cancel-form")) { cancelling = null; event.target.blur(); render(); }
  });
  $("contests-open").addEventListener("focusout", () => {
    setTimeout(() => { if (stale && !formFocused()) render(); }, 0);
  });
  $("contests-open").addEventListener("submit", (event) => {
    event.preventDefault();
    const formEl = event.target;
    const id = cancelling && cancelling.id;
    const contest = open.get(id);
    if (!contest) return;
    const reason = cancelling.reason.trim();
    submitting(formEl, async () => {
      try {
        await api(`/api/contests/${id}/cancel`, { method: "POST", body: reason ? { reason } : {} });
        open.delete(id);
        cancelling = null;
        say("contests-result", fill(t.contest_cancelled, { name: contest.name }), true);
      } catch (error) {
        said.set(id, { text: error.message, ok: false });
        if ([404, 409].includes(error.status)) cancelling = null;   // already over: the reason stays
      }
      formEl.querySelector("button[type=submit]").blur();
      render();
      reload();
    });
  });

  /* --- the team's cap on open challenges ---------------------------------------------------- */
  $("cap-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const capForm = event.target;
    const value = number(new FormData(capForm).get("max_open"));
    submitting(capForm, async () => {
      try {
        const team = await api(`/api/teams/${teamId}/challenge-cap`, { method: "PUT", body: { max_open: value } });
        const cap = team.challenge_cap ?? value;
        capForm.elements.max_open.value = cap == null ? "" : cap;
        say("cap-result", cap == null ? t.cap_none : H.count("cap_saved", cap), true);
      } catch (error) { say("cap-result", error.message, false); }
    });
  });

  /* --- start and live --------------------------------------------------------------------------- */
  async function start(context) {
    me = context.me;
    teamId = context.teamId;
    teamMembers = new Set((context.members || []).map((m) => m.id));
    $("contests-scope").textContent = teamId ? "" : `· ${t.all_teams}`;
    document.querySelector("#contest-templates [data-template=versus]").hidden = me.role !== "admin";
    const [teamRows, metricRows, shop] = await Promise.all([api("/api/teams"), api("/api/metrics"), api("/api/rewards")]);
    teams = teamRows.sort((a, b) => H.teamLabel(a).localeCompare(H.teamLabel(b)));
    metrics = new Map(metricRows.map((m) => [m.key, m.name]));
    rewards = shop;
    buildForm();
    const team = teams.find((row) => row.id === teamId);
    $("cap-form").hidden = !team;
    if (team) $("cap-form").elements.max_open.value = team.challenge_cap == null ? "" : team.challenge_cap;
    await load().catch((error) => {   // no contests to show is no reason to stop the page
      console.error(error);
      $("contests-open").innerHTML = `<li class="empty">${esc(error.message)}</li>`;
      if (C.passing(error)) setTimeout(reload, 10000);
    });
  }
  H.on("start", (context) => { start(context).catch((error) => console.error(error)); });
  H.on("snapshot", () => { if (me) reload(); });   // updates may have been missed
  H.on("update", (m) => {
    if (!me) return;
    const kind = m.entry.kind;
    if (kind.startsWith("reward.")) api("/api/rewards").then((rows) => { rewards = rows; fillRewards(); }).catch(() => {});
    const moved = C.applyUpdate(open, m);
    if (moved.reload) reload();
    else if (moved.changed) render();
  });
})();
