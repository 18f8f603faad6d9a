/* The office TV: rotating views, celebrations, and a socket that heals itself.
 * Built to run for weeks: state is bounded (maps keyed by id, a capped feed) and the
 * DOM of each view is rebuilt, never appended to. */
(function () {
  "use strict";
  const { t, fmt, esc, describe, when, Live } = window.Huddle;
  const ROTATE_MS = 15000;
  const CELEBRATE_MS = 6000;
  const FEED_MAX = 12;
  const state = { members: new Map(), teams: new Map(), goals: new Map(), feed: [] };
  const $ = (id) => document.getElementById(id);

  const teamOf = (id) => state.teams.get(id) || {};
  const byRank = (a, b) => a.rank - b.rank || a.name.localeCompare(b.name);

  function renderTeams() {
    const rows = [...state.teams.values()].sort(byRank);
    $("teams").innerHTML = rows.map((r) => `
      <li style="--team:${esc(r.color || "#5b6b7f")}">
        <span class="rank">${r.rank}</span>
        <span class="name">${esc(r.name)}${r.nickname ? `<small>${esc(r.nickname)}</small>` : ""}</span>
        <span class="score">${fmt(r.score)}<small>${t.per_member}</small></span>
        <span class="total">${fmt(r.total)}<small>${t.total}</small></span>
      </li>`).join("");
  }

  function renderMembers() {
    const rows = [...state.members.values()].sort(byRank).slice(0, 10);
    $("members").innerHTML = rows.map((r) => `
      <li style="--team:${esc(teamOf(r.team_id).color || "#5b6b7f")}">
        <span class="rank">${r.rank}</span>
        <span class="name">${esc(r.name)}<small>${esc(teamOf(r.team_id).nickname || teamOf(r.team_id).name || "")}</small></span>
        <span class="score">${fmt(r.score)}<small>${t.points}</small></span>
      </li>`).join("");
  }

  function bar(progress) {
    const pct = Math.min(100, progress.percent || 0);
    return `<div class="bar${progress.reached_at ? " done" : ""}"><i style="width:${pct}%"></i></div>`;
  }

  function renderGoals() {
    const goals = [...state.goals.values()];
    $("goals").innerHTML = goals.length ? goals.map((g) => {
      const team = teamOf(g.team_id);
      const metric = g.metric === "revenue" ? t.revenue : t.deals;
      return `<article class="goal" style="--team:${esc(team.color || "#5b6b7f")}">
        <h2>${esc(team.nickname || team.name || "")} <small>${metric}</small></h2>
        <div class="goal-line"><span>${fmt(g.progress.value)} / ${fmt(g.target)}</span>${bar(g.progress)}</div>
        ${g.member_targets.map((m) => `<div class="goal-line member"><span>${esc(m.name)}</span>${bar(m.progress)}</div>`).join("")}
      </article>`;
    }).join("") : `<p class="muted">${t.none_yet}</p>`;
  }

  function renderFeed() {
    $("feed").innerHTML = state.feed.map((e) => `
      <li><time>${when(e.recorded_at)}</time><span>${describe(e)}</span></li>`).join("");
  }

  function renderAll() { renderTeams(); renderMembers(); renderGoals(); renderFeed(); }

  function merge(map, rows, key) { rows.forEach((row) => map.set(row[key], row)); }

  /* --- celebrations: queued, one at a time ---------------------------------------------- */
  const queue = [];
  let showing = false;
  function celebrate(entry) {
    const names = (ids) => ids.map((id) => (state.members.get(id) || {}).name).filter(Boolean);
    if (entry.kind === "deal.won") {
      const team = teamOf(entry.team_id);
      const assists = names(entry.data.assists || []);
      queue.push({ title: t.goal, name: entry.member_name, team: team.nickname || team.name,
                   extra: assists.length ? `${t.assist}: ${assists.join(", ")}` : "", color: team.color });
    }
    for (const ev of entry.events || []) {
      if (ev.type === "goal_reached") {
        const team = teamOf(ev.team_id);
        const who = ev.member_id ? (state.members.get(ev.member_id) || {}).name : team.nickname || team.name;
        queue.push({ title: t.goal_reached, name: who, team: team.name, extra: "", color: team.color });
      } else if (ev.type === "badge") {
        queue.push({ title: t.badge, name: ev.name, team: ev.title, extra: "", color: teamOf(ev.team_id).color });
      }
    }
    while (queue.length > 10) queue.shift();   // a burst never builds an endless show
    if (!showing) next();
  }
  function next() {
    const item = queue.shift();
    const box = $("celebration");
    if (!item) { showing = false; box.hidden = true; return; }
    showing = true;
    $("cele-title").textContent = item.title;
    $("cele-name").textContent = item.name || "";
    $("cele-team").textContent = item.team || "";
    $("cele-extra").textContent = item.extra || "";
    box.style.setProperty("--team", item.color || "#f5b700");
    box.hidden = false;
    box.classList.remove("pop"); void box.offsetWidth; box.classList.add("pop");
    setTimeout(next, CELEBRATE_MS);
  }

  /* --- rotation ------------------------------------------------------------------------ */
  const views = [...document.querySelectorAll(".view")];
  let current = 0;
  $("dots").innerHTML = views.map(() => "<i></i>").join("");
  function show(index) {
    current = index % views.length;
    views.forEach((v, i) => { v.hidden = i !== current; });
    [...$("dots").children].forEach((d, i) => d.classList.toggle("on", i === current));
  }
  show(0);
  setInterval(() => show(current + 1), ROTATE_MS);

  /* --- live ---------------------------------------------------------------------------- */
  const params = {};
  const url = new URL(window.location.href);
  if (url.searchParams.get("team_id")) params.team_id = url.searchParams.get("team_id");
  new Live(params, {
    snapshot(m) {
      state.members = new Map(m.members.map((r) => [r.member_id, r]));
      state.teams = new Map(m.teams.map((r) => [r.team_id, r]));
      state.goals = new Map(m.goals.map((g) => [g.id, g]));
      state.feed = m.feed.slice(0, FEED_MAX);
      $("season").textContent = m.season ? m.season.name : "";
      renderAll();
    },
    update(m) {
      merge(state.members, m.members, "member_id");
      merge(state.teams, m.teams, "team_id");
      merge(state.goals, m.goals, "id");
      state.feed = [m.entry, ...state.feed.filter((e) => e.seq !== m.entry.seq)].slice(0, FEED_MAX);
      renderAll();
      if (m.entry.celebrate) celebrate(m.entry);
    },
  }).start();
})();
