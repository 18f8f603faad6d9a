/* The coach's view: the team by category, mentoring points, goals, and what losses teach.
 * Managers see their own team; an admin picks one with ?team_id=. */
(function () {
  "use strict";
  const H = window.Huddle;
  const { t, api, fmt, esc, fill, config, say, submitting, pageMessage } = H;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let teamId = null;
  let team = [];


  /* The team's players with their points in every category: one board per category. */
  async function loadTable() {
    const board = (category) => api(`/api/leaderboards/members?season=current&team_id=${teamId}&limit=500`
      + (category ? `&category=${category}` : ""));
    const [total, ...byCategory] = await Promise.all([board(null), ...config.category_order.map(board)]);
    $("season").textContent = total.season ? total.season.name : "";
    const scores = byCategory.map((b) => new Map(b.entries.map((e) => [e.member_id, e.score])));
    // each cell names its column too: on a phone a row becomes a card of "name value" pairs
    const labels = config.category_order.map((c) => esc(config.categories[c]));
    const cell = (value, i) => `<td class="${value ? "" : "zero"}" data-label="${labels[i]}">${fmt(value || 0)}</td>`;
    $("team-table").innerHTML = `<thead><tr><th>${t.rank}</th><th>${t.member}</th>
      ${labels.map((label) => `<th>${label}</th>`).join("")}<th>${t.points_label}</th></tr></thead>
      <tbody>${total.entries.map((e) => `<tr><td class="rank">${e.rank}</td><td class="name" data-rank="${e.rank}">${esc(e.name)}</td>
        ${scores.map((s, i) => cell(s.get(e.member_id), i)).join("")}<td class="total" data-label="${esc(t.points_label)}">${fmt(e.score)}</td></tr>`).join("")}</tbody>`;
  }

  async function loadBudget() {
    const budget = await api("/api/mentoring/budget");
    $("budget").textContent = `${fmt(budget.left)} / ${fmt(budget.budget)}`;
  }

  async function loadGoals() {
    const goals = await api(`/api/goals?team_id=${teamId}&season=current`);
    const line = (label, p, cls) => `<div class="goal-line ${cls}"><span>${esc(label)}</span>
      <span class="num">${fmt(p.value)} / ${fmt(p.target)}</span>${H.bar(p)}</div>`;
    $("team-goals").innerHTML = goals.map((g) => `<article class="goal-card">
      <header><b>${g.metric === "revenue" ? t.revenue : t.deals}</b><span>${Math.round(g.progress.percent || 0)}%</span></header>
      ${line(t.team_goal, g.progress, "team")}
      ${g.member_targets.map((m) => line(m.name, m.progress, "")).join("")}</article>`).join("")
      || `<p class="empty">${t.none_yet}</p>`;
  }

  async function loadInsights() {
    const data = await api(`/api/insights/losses?team_id=${teamId}&season=current`);
    $("review-count").textContent = H.count("reviews_n", data.reviews);
    $("insights").innerHTML = data.reviews ? data.questions.map((q) => `
      <li><span>${q.number}. ${esc(config.questions[q.number - 1] || q.question)}</span>
        <div class="bar warn"><i style="width:${Math.round(q.weakness * 100)}%"></i></div>
        <span class="counts">${t.yes} ${q.yes} · ${t.partly} ${q.partly} · ${t.no} ${q.no}</span></li>`).join("")
      : `<li class="empty">${t.none_yet}</li>`;
    $("lessons").innerHTML = data.lessons.slice(0, 8).map((l) => `
      <li><b>${esc(l.name)}</b> · ${esc(l.customer)}: ${esc(l.lesson)}</li>`).join("");
  }

  $("mentoring-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    submitting(form, async () => {
      try {
        const result = await api("/api/mentoring", { method: "POST", body: {
          member_id: Number(data.get("member_id")), points: Number(data.get("points")),
          note: data.get("note").trim() } });
        say("mentoring-result", fill(t.mentoring_saved, { left: fmt(result.budget_left) }), true);
        form.querySelector("[name=note]").value = "";
        loadBudget();
        loadTable();
      } catch (error) { say("mentoring-result", error.message, false); }
    });
  });

  $("goal-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    const memberTargets = team.map((m) => ({ member_id: m.id, target: Number(data.get(`target-${m.id}`)) }))
      .filter((m) => m.target > 0);
    submitting(form, async () => {
      try {
        await api("/api/goals", { method: "POST", body: {
          team_id: teamId, season_id: Number(data.get("season_id")), metric: data.get("metric"),
          target: Number(data.get("target")), member_targets: memberTargets }, problems: { 409: t.goal_exists } });
        say("goal-result", t.saved, true);
        loadGoals();
      } catch (error) { say("goal-result", error.message, false); }
    });
  });

  async function start() {
    me = await api("/api/me");
    pageMessage("");
    const asked = Number(new URL(window.location.href).searchParams.get("team_id")) || null;
    teamId = me.role === "admin" ? asked : me.team_id;
    if (!teamId || !["manager", "admin"].includes(me.role)) {
      const role = config.roles[me.role] || me.role;
      $("who").textContent = me.name || role;
      pageMessage(me.role === "admin" ? t.pick_team : fill(t.manager_only, { role }));
      $("app").hidden = true;
      return;
    }
    const [members, teamRow, seasons, rules] = await Promise.all([api(`/api/members?team_id=${teamId}`),
      api(`/api/teams/${teamId}`), api("/api/seasons"), api("/api/policy")]);
    team = members.sort((a, b) => a.name.localeCompare(b.name));
    document.body.style.setProperty("--team", H.color(teamRow.color));
    $("who").innerHTML = `${esc(me.name || config.roles[me.role] || me.role)} · <i class="dot"></i>${esc(H.teamLabel(teamRow))}`;
    $("who").title = $("who").textContent;
    $("mentee").innerHTML = team.filter((m) => m.id !== me.member_id)
      .map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    $("mentoring-points").max = rules.mentoring_max_points;
    $("member-targets").innerHTML = team.map((m) => `
      <label>${esc(m.name)} <input type="number" min="0" step="any" name="target-${m.id}"></label>`).join("");
    $("goal-season").innerHTML = seasons.filter((s) => s.current || s.ends_on >= new Date().toISOString().slice(0, 10))
      .map((s) => `<option value="${s.id}" ${s.current ? "selected" : ""}>${esc(s.name)}</option>`).join("");
    await Promise.all([loadTable(), loadBudget(), loadGoals(), loadInsights()]);
    let timer = null;
    let pending = new Set();
    new H.Live({ team_id: teamId }, {
      snapshot() {},
      update(m) {   // a burst of updates costs one reload of each part it touched
        pending.add("table");
        if (m.goals.length || m.entry.kind === "goal.set") pending.add("goals");
        if (m.entry.kind === "loss.reviewed") pending.add("insights");
        if (m.entry.kind === "mentoring") pending.add("budget");
        clearTimeout(timer);
        timer = setTimeout(() => {
          const parts = pending;
          pending = new Set();
          const loaders = { table: loadTable, goals: loadGoals, insights: loadInsights, budget: loadBudget };
          parts.forEach((part) => loaders[part]().catch((error) => console.error(error)));
        }, 300);
      },
    }).start();
  }
  /* Start, and if the server cannot be reached yet, try again shortly. */
  function boot() {
    start().catch((error) => {
      if (error.status === 401) return;
      pageMessage(error.message);
      if (error.status === 0) setTimeout(boot, 10000);
    });
  }
  if (H.token()) boot();
})();
