/* The coach's view: the team by category, mentoring, goals and what losses teach. */
(function () {
  "use strict";
  const { t, api, fmt, esc, Live, config } = window.Huddle;
  const $ = (id) => document.getElementById(id);
  let me = null;
  let team = [];

  function say(id, text, ok) {
    const el = $(id);
    el.textContent = text;
    el.className = `result ${ok ? "ok" : "error"}`;
  }

  async function loadTable() {
    const boards = await Promise.all(["total", ...config.categories].map((c) =>
      api(`/api/leaderboards/members?team_id=${me.team_id}&limit=500${c === "total" ? "" : `&category=${c}`}`)));
    const [total, ...byCategory] = boards;
    const score = (board, id) => (board.entries.find((e) => e.member_id === id) || {}).score || 0;
    $("team-table").innerHTML = `<thead><tr><th>${t.rank}</th><th>${t.member}</th>
      ${config.categories.map((c) => `<th>${esc(config.category_names[c])}</th>`).join("")}<th>${t.score}</th></tr></thead>
      <tbody>${total.entries.map((e) => `<tr><td>${e.rank}</td><td>${esc(e.name)}</td>
      ${byCategory.map((b) => `<td>${fmt(score(b, e.member_id))}</td>`).join("")}
      <td><b>${fmt(e.score)}</b></td></tr>`).join("")}</tbody>`;
    const budget = await api("/api/mentoring/budget");
    $("budget").textContent = `${fmt(budget.left)} / ${fmt(budget.budget)}`;
  }

  async function loadGoals() {
    const goals = await api(`/api/goals?team_id=${me.team_id}`);
    $("team-goals").innerHTML = goals.map((g) => `<article class="goal">
      <div class="goal-line"><span>${t.team_goal} (${g.metric === "revenue" ? t.revenue : t.deals}):
      ${fmt(g.progress.value)} / ${fmt(g.target)}</span><div class="bar${g.progress.reached_at ? " done" : ""}">
      <i style="width:${Math.min(100, g.progress.percent)}%"></i></div></div></article>`).join("");
  }

  async function loadInsights() {
    const data = await api("/api/insights/losses");
    $("insights").innerHTML = data.reviews ? data.questions.map((q) => `
      <li><span>${esc(q.question)}</span>
      <span class="counts">${t.yes} ${q.yes} · ${t.partly} ${q.partly} · ${t.no} ${q.no}</span>
      <div class="bar warn"><i style="width:${Math.round(q.weakness * 100)}%"></i></div></li>`).join("")
      : `<p class="muted">${t.none_yet}</p>`;
  }

  $("mentoring-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const result = await api("/api/mentoring", { method: "POST", body: {
        member_id: Number(form.get("member_id")), points: Number(form.get("points")),
        note: form.get("note") } });
      say("mentoring-result", `${t.saved} · ${t.budget_left}: ${fmt(result.budget_left)}`, true);
      event.target.reset();
      loadTable();
    } catch (error) { say("mentoring-result", error.message, false); }
  });

  $("goal-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const member_targets = team.map((m) => ({ member_id: m.id, target: Number(form.get(`target-${m.id}`)) }))
      .filter((m) => m.target > 0);
    try {
      await api("/api/goals", { method: "POST", body: {
        team_id: me.team_id, season_id: Number(form.get("season_id")), metric: form.get("metric"),
        target: Number(form.get("target")), member_targets } });
      say("goal-result", t.saved, true);
      loadGoals();
    } catch (error) { say("goal-result", error.message, false); }
  });

  async function start() {
    me = await api("/api/me");
    if (!me.team_id) { $("who").textContent = `${me.role}`; return; }
    team = (await api(`/api/members?team_id=${me.team_id}`));
    const teamRow = await api(`/api/teams/${me.team_id}`);
    $("who").textContent = `${me.name} · ${teamRow.nickname || teamRow.name}`;
    $("mentee").innerHTML = team.filter((m) => m.id !== me.member_id)
      .map((m) => `<option value="${m.id}">${esc(m.name)}</option>`).join("");
    $("member-targets").innerHTML = team.filter((m) => m.role === "seller").map((m) => `
      <label>${esc(m.name)} <input type="number" min="0" step="1" name="target-${m.id}"></label>`).join("");
    const seasons = await api("/api/seasons");
    $("goal-season").innerHTML = seasons.map((s) =>
      `<option value="${s.id}" ${s.current ? "selected" : ""}>${esc(s.name)}</option>`).join("");
    await Promise.all([loadTable(), loadGoals(), loadInsights()]);
    let timer = null;
    new Live({ team_id: me.team_id }, {
      snapshot() {},
      update(m) {
        clearTimeout(timer);
        timer = setTimeout(() => { loadTable(); if (m.goals.length) loadGoals(); }, 300);
      },
    }).start();
  }
  if (window.Huddle.token()) start().catch((error) => console.error(error));
})();
