/* My contests on /board: those I play in — running, waiting for an answer, about to start —
 * with my place, my score and the time left; a challenge sent to me to accept or decline;
 * and a form to challenge a colleague to a head-to-head. board.js says who I am ("start")
 * and hands on the live messages. */
(function () {
  "use strict";
  const H = window.Huddle;
  const C = H.contests;
  const { t, api, esc, fill, fmt, say, submitting } = H;
  const $ = (id) => document.getElementById(id);
  const STATES = ["running", "proposed", "upcoming"];
  let me = null;
  let members = new Map();    // id → member, for the names of opponents
  let metrics = new Map();    // an activity metric's key → its name
  let rewards = new Map();    // a reward's id → its name, for prizes from the shop
  let contests = new Map();   // id → contest
  const said = new Map();     // contest id → what answering it came to, in its row
  let asked = 0;

  async function load() {
    const mine = ++asked;
    const lists = await Promise.all(STATES.map((state) =>
      api(`/api/contests?state=${state}&member_id=${me.member_id}`)));
    if (mine !== asked) return;   // a later load is on its way with the newer state
    contests = new Map(lists.flat().map((c) => [c.id, c]));
    render();
    alarm([...contests.values()]);
  }
  // a load that failed with a server in trouble (or out of reach) is tried again a little later
  const reload = H.atMostEvery(1000, () => load().catch((error) => {
    if (C.passing(error)) setTimeout(reload, 10000);
    throw error;
  }));
  const alarm = C.alarm(reload);   // when the next one starts or ends

  /* A challenge to me first, then what runs (the soonest to end first), then what waits. */
  function order(c) {
    if (c.state === "proposed") return C.opponentOf(c) === me.member_id ? 0 : 2;
    return c.state === "running" ? 1 : 3;
  }
  const nameOf = (id) => (members.get(id) || {}).name || "";
  const isChallenger = (c) => (c.created_by || {}).member_id === me.member_id;

  /* A head-to-head as a rope: my side named first. */
  function tugLine(c) {
    const { rows, share } = C.sides(c);
    const mine = C.sideOf(c, me);
    const side = (r, i) => `<span class="side${i === mine ? " me" : ""}">${esc(r.name)} <b>${esc(C.scoreText(c, r, fmt))}</b></span>`;
    return `<div class="tug-line">${side(rows[0], 0)}${side(rows[1], 1)}
      <div class="tug-bar"><i style="width:${100 * share}%"></i></div></div>`;
  }
  /* Where I stand: my place of how many, my score, and my way to a target. */
  function myLine(c) {
    const row = C.rowOf(c, me);
    if (!row) return `<p class="contest-me muted">${esc(t.no_score_yet)}</p>`;
    const n = c.count || (c.standings || []).length;
    const place = `<p class="contest-me">${esc(fill(t.my_place, { rank: row.rank, n: fmt(n), score: C.scoreText(c, row, fmt) }))}</p>`;
    if (!["race", "team_target"].includes(c.format) || !(c.target > 0)) return place;
    const progress = row.progress != null ? row.progress : (Number(row.value) || 0) / c.target;
    return `${place}<div class="goal-line"><span>${esc(t.to_target)}</span>
      <span class="num">${fmt(row.value)} / ${fmt(c.target)}</span>${H.bar({ percent: 100 * progress, reached_at: progress >= 1 || null })}</div>`;
  }
  function body(c) {
    if (c.state === "proposed") {
      if (!isChallenger(c) && C.opponentOf(c) === me.member_id) {
        const from = (c.created_by || {}).name || nameOf((c.created_by || {}).member_id);
        return `<p class="contest-me">${esc(fill(t.challenged_by, { who: from }))}</p>
          <div class="contest-actions"><button type="button" class="small accept" data-act="accept">${esc(t.accept)}</button>
            <button type="button" class="small" data-act="decline">${esc(t.decline)}</button></div>`;
      }
      return `<p class="contest-me muted">${esc(fill(t.waiting_for, { who: nameOf(C.opponentOf(c)) }))}</p>`;
    }
    if (c.state === "upcoming") return "";
    return (c.format === "head_to_head" ? tugLine(c) : "") + myLine(c);
  }
  function item(c) {
    const prizes = C.prizesLine(c, rewards);
    const result = said.get(c.id);
    return `<li data-contest="${Number(c.id)}" class="contest ${esc(c.state)}">
      <div class="contest-top"><b class="contest-name">${esc(c.name)}</b>
        <span class="mark state-${esc(c.state)}">${esc(C.stateName(c.state))}</span></div>
      <small class="contest-about">${esc(C.about(c, metrics))} · <span class="when">${esc(C.whenText(c))}</span></small>
      ${prizes ? `<small class="contest-prize">${esc(prizes)}</small>` : ""}
      ${body(c)}
      <p class="result${result ? (result.ok ? " ok" : " error") : ""}" role="status">${result ? esc(result.text) : ""}</p>
    </li>`;
  }
  function render() {
    const list = [...contests.values()].sort((a, b) => order(a) - order(b)
      || Date.parse(a.ends_at) - Date.parse(b.ends_at) || a.id - b.id);
    $("my-contests").innerHTML = list.map(item).join("") || `<li class="empty">${esc(t.no_contests_mine)}</li>`;
  }
  /* The time left moves on its own: one timer rewrites the texts, nothing else. */
  setInterval(() => {
    document.querySelectorAll("#my-contests li[data-contest] .when").forEach((el) => {
      const c = contests.get(Number(el.closest("li").dataset.contest));
      if (c) el.textContent = C.whenText(c);
    });
  }, 15000);

  /* --- answering a challenge: it runs from now, or it is declined --------------------------- */
  async function answer(row, act) {
    const id = Number(row.dataset.contest);
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    said.delete(id);
    try {
      const done = await api(`/api/challenges/${id}/${act}`, { method: "POST", body: {},
        problems: { 409: t.challenge_answer_conflict } });
      if (done.state === "proposed" || done.state === "running") contests.set(id, done);
      else contests.delete(id);
      say("contests-result", fill(act === "accept" ? t.challenge_accepted : t.challenge_declined, { name: done.name }), true);
    } catch (error) {
      said.set(id, { text: error.message, ok: false });
    }
    render();
    reload();
  }
  $("my-contests").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    const row = button && button.closest("li[data-contest]");
    if (row) answer(row, button.dataset.act).catch((error) => console.error(error));
  });

  /* --- a challenge to a colleague ----------------------------------------------------------- */
  function fillForm(teamList) {
    const others = [...members.values()].filter((m) => m.id !== me.member_id && m.active !== false
      && ["seller", "manager"].includes(m.role));
    const option = (m) => `<option value="${Number(m.id)}">${esc(m.name)}</option>`;
    const mates = others.filter((m) => m.team_id === me.team_id);
    const rest = others.filter((m) => m.team_id !== me.team_id);
    const teamName = (id) => H.teamLabel(teamList.find((team) => team.id === id)) || t.teams;
    const groups = [...new Set(rest.map((m) => m.team_id))].map((id) =>
      `<optgroup label="${esc(teamName(id))}">${rest.filter((m) => m.team_id === id).map(option).join("")}</optgroup>`);
    $("challenge-opponent").innerHTML = (mates.length ? `<optgroup label="${esc(t.my_team)}">${mates.map(option).join("")}</optgroup>` : "")
      + groups.join("");
    const choices = [["points", C.metricName("points")], ["deals_won", C.metricName("deals_won")],
      ["revenue", C.metricName("revenue")], ...[...metrics].map(([key, name]) => [`activity:${key}`, name])];
    $("challenge-metric").innerHTML = choices.map(([value, name]) =>
      `<option value="${esc(value)}">${esc(name)}</option>`).join("");
    $("challenge-form").elements.day.min = C.calendar.today();
    $("challenge-form").elements.day.max = C.calendar.dayOf(Date.now() + 30 * 86400000);   // 31 days at most
  }
  $("challenge-ends").addEventListener("change", (event) => {
    const onDay = event.target.value === "date";
    $("challenge-day").hidden = !onDay;
    $("challenge-form").elements.day.required = onDay;
  });
  function endsAt(data) {
    const ends = data.get("ends");
    if (ends === "today") return C.calendar.endOfToday();
    if (ends === "week") return C.calendar.week()[1];
    return C.calendar.endOf(data.get("day"));
  }
  $("challenge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const opponent = Number(data.get("opponent_id"));
    const prize = String(data.get("prize") || "").trim();
    const body = { opponent_id: opponent, metric: data.get("metric"), ends_at: C.calendar.isoAt(endsAt(data)) };
    if (prize) body.prize = { description: prize };
    submitting(form, async () => {
      try {
        const made = await api("/api/challenges", { method: "POST", body, problems: { 409: t.challenge_refused } });
        contests.set(made.id, made);
        render();
        say("challenge-result", fill(t.challenge_sent, { who: nameOf(opponent) }), true);
        form.elements.prize.value = "";
      } catch (error) { say("challenge-result", error.message, false); }
    });
  });

  /* --- start and live --------------------------------------------------------------------------- */
  H.on("start", (context) => {
    me = context.me;
    members = new Map(context.members.map((m) => [m.id, m]));
    metrics = new Map((context.metrics || []).map((m) => [m.key, m.name]));
    fillForm(context.teams);
    api("/api/rewards").then((rows) => { rewards = new Map(rows.map((r) => [r.id, r.name])); render(); })
      .catch((error) => console.error(error));
    load().catch((error) => {   // no contests to show is no reason to stop the page
      console.error(error);
      $("my-contests").innerHTML = `<li class="empty">${esc(error.message)}</li>`;
      if (C.passing(error)) setTimeout(reload, 10000);
    });
  });
  H.on("snapshot", () => { if (me) reload(); });   // updates may have been missed
  H.on("update", (m) => {
    if (!me) return;
    const moved = C.applyUpdate(contests, m);
    if (moved.reload) reload();
    else if (moved.changed) render();
  });
  /* A challenge from another team reaches this team's socket only once it runs: a page
   * coming back into view reads my contests again. */
  document.addEventListener("visibilitychange", () => { if (!document.hidden && me) reload(); });
})();
